import type { ProcessSelection } from './entrypoint-flags';
import type { Role } from './roles';

/** Injection token of the validated Settings. */
export const SETTINGS = Symbol('Settings');
/** Injection token of the Runtime: what this process was started to do. */
export const RUNTIME = Symbol('Runtime');

export interface Runtime {
  readonly selection: ProcessSelection;
  readonly version: string;
  /** The source commit of the build (TESSERA_COMMIT), `unknown` when not told. */
  readonly commit: string;
  hasRole(role: Role): boolean;
}
