// cli front-end: a wrong command line (exit 2, one line). Host input errors
// (no such path, unknown era) are the same to a CLI user.
import { InputError } from '../host/tree-files';

export class UsageError extends InputError {}
