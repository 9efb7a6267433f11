/**
 * The alias a joined association's table goes by in a statement: its path from the root
 * (`author`, `author__publisher`), so that the same association reached two ways, or a model
 * joined to itself, never shares a name. The root keeps its table name; an alias that would
 * collide with it gets a suffix. Long paths are cut to 60 characters (PostgreSQL truncates
 * names past 63, which could merge two) with a short hash to keep them apart.
 */
export function joinAlias(rootTable: string, path: readonly string[]): string {
  let alias = path.join('__');
  if (alias === rootTable) alias += '_join';
  if (alias.length > 60) alias = `${alias.slice(0, 51)}_${hash(alias)}`;
  return alias;
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36).padStart(8, '0').slice(0, 8);
}
