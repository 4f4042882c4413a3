/**
 * The one zod of the functions: zod's smaller build (`zod/mini`: functions and `.check(...)` instead of method
 * chains), with the English messages the full build sets itself, so a 422 problem reads the same. Import it as a
 * namespace, `import * as z from '../core/zod'`, never 'zod' or 'zod/mini' directly: esbuild then keeps only what a
 * bundle uses (about 20 KiB, where the full build was about 100 KiB in every function). Re-exporting the namespace as
 * one object (`export { z }`) would keep all of it, every locale included.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
