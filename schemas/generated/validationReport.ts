/* Generated from schemas/ by scripts/gen-types.mjs (npm run gen:types). Do not edit. */

/**
 * What `python -m rlstudio validate --config F --json` prints: every problem train would refuse to start on (errors) or would want you to know (warnings), each at the config's line and JSON path. The editor shows these in Problems.
 */
export interface ValidationReport {
  /**
   * The config file that was checked.
   */
  config: string;
  /**
   * True when there is no error (warnings may remain).
   */
  valid: boolean;
  problems: ValidationProblem[];
}
/**
 * This interface was referenced by `ValidationReport`'s JSON-Schema
 * via the `definition` "ValidationProblem".
 */
export interface ValidationProblem {
  /**
   * The config file.
   */
  file: string;
  /**
   * 1-based line of the value at path (or its nearest ancestor); null when unknown.
   */
  line: number | null;
  /**
   * JSON path as keys and array indices.
   */
  path: (string | number)[];
  /**
   * The same path written as $.data.datasets[0].path.
   */
  jsonPath: string;
  /**
   * What is wrong; names the data or reward file and its line where the problem is there.
   */
  message: string;
  severity: 'error' | 'warning';
  /**
   * json: the text is not JSON; schema: the config breaks run-config.schema.json (editors that validate against the schema show these themselves); check: everything the schema cannot express (files, reward references, dataset records, batch arithmetic, the model folder).
   */
  source: 'json' | 'schema' | 'check';
}
