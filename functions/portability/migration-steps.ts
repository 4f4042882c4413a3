/**
 * The steps of a migration, in order: a module of their own, so the migration records (read by the API's function)
 * name them without loading the migration itself.
 */
export const MIGRATION_STEPS = ['exported', 'imported', 'verified', 'cut-over', 'purged'] as const;
export type MigrationStep = (typeof MIGRATION_STEPS)[number];
