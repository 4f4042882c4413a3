/**
 * The one zod of the functions: zod's smaller build (`zod/mini`, functions and `.check(...)` instead of method
 * chains), about a fifth of the full build in every bundle, with the English messages the full build sets itself, so
 * a 422 problem reads the same. Import `z` from here, never from 'zod' or 'zod/mini' directly.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

z.config(en());

export { z };
