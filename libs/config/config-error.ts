/**
 * A wrong flag or setting. The entrypoint prints its message as one line and exits with
 * code 2, without a stack trace: the operator needs the name and what it accepts, not
 * where in our code we noticed.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const CONFIG_ERROR_EXIT_CODE = 2;
