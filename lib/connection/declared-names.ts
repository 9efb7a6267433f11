import { processWide } from '../util/process-wide';

/**
 * Connection names the code mentions at load time: in @Model({ connection }),
 * @InjectConnection(name), @InjectModel(Model, name) and forFeature(models, name).
 *
 * ActiveRecordModule.forRootAsync learns its connection names only when its factory runs, but
 * Nest needs every injection token before that. So it also provides a token for each name
 * mentioned here (decorators run when their files are imported, before the app is built).
 */
const declared = processWide('declared-connection-names', () => new Set<string>());

export function declareConnectionName(name: string): void {
  declared.add(name);
}

export function declaredConnectionNames(): readonly string[] {
  return [...declared];
}
