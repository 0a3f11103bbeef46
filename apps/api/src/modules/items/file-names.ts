/**
 * A file name split for numbering: `photo(3).png` is stem `photo`, number 3, extension `.png`. A folder's name has no
 * extension (`{extension: false}`: `v1.2(3)` is stem `v1.2`, number 3).
 */
export interface NameParts {
  stem: string;
  /** The `(N)` before the extension, 0 when there is none. */
  number: number;
  /** With its dot (`.png`), or '' (no dot, or a dot-file such as `.bashrc`). */
  extension: string;
}

export function splitName(name: string, { extension: withExtension = true } = {}): NameParts {
  const dot = withExtension ? name.lastIndexOf('.') : -1;
  const hasExtension = dot > 0 && dot < name.length - 1;
  const base = hasExtension ? name.slice(0, dot) : name;
  const extension = hasExtension ? name.slice(dot) : '';
  const numbered = /^(.*)\((\d{1,15})\)$/.exec(base);
  return numbered && numbered[1].length > 0
    ? { stem: numbered[1], number: Number(numbered[2]), extension }
    : { stem: base, number: 0, extension };
}

/** The lower-cased extension without its dot (`pdf`), '' when there is none. */
export function extensionOf(name: string): string {
  return splitName(name).extension.slice(1).toLowerCase();
}

/**
 * The name "Keep" gives a new file when `requested` is taken: the stem with the first free number after the
 * requested one (`photo.png` → `photo(1).png`, `photo(3).png` → `photo(4).png`). `taken` holds the
 * lower-cased sibling names of that shape; `parts` are the requested name's (a folder's: see splitName).
 */
export function keepName(requested: string, taken: string[], parts = splitName(requested)): string {
  const { stem, number, extension } = parts;
  const used = new Set(taken);
  for (let n = number + 1; ; n++) {
    const candidate = `${stem}(${n})${extension}`;
    if (!used.has(candidate.toLowerCase())) return candidate;
  }
}
