/** The part of class-validator's ValidationError that messages are made of (plain data once in extensions). */
export interface ValidationErrorLike {
  readonly property: string;
  readonly constraints?: Readonly<Record<string, string>>;
  readonly children?: readonly ValidationErrorLike[];
}

export interface ValidationProblem {
  /** Dotted path of the property, e.g. `rateLimit.points`. */
  readonly path: string;
  /** The property itself (a key may contain dots, so it is not re-derived from the path). */
  readonly property: string;
  /** class-validator's message: it names the property and the rule, never the offending value. */
  readonly message: string;
}

/** A class-validator error tree as a flat list, nested properties named by their dotted path. */
export function validationProblems(errors: readonly ValidationErrorLike[], prefix = ""): ValidationProblem[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    return [
      ...Object.values(e.constraints ?? {}).map((message) => ({ path, property: e.property, message })),
      ...validationProblems(e.children ?? [], path),
    ];
  });
}
