/** Sexagesimal angles as catalogs write them: "12 34 56.7", "12:34:56.7", "12h34m56.7s", "-05 06 07.8", "+05d06m07.8s". */

const SEXAGESIMAL = /^([+-]?)(\d{1,3})[\s:hd]+(\d{1,2})(?:[\s:m']+(\d{1,2}(?:\.\d*)?)[s"]?)?$/;

/** Degrees from sexagesimal text, in hours (×15) when `hours`; undefined when the text is not sexagesimal. */
export function parseSexagesimal(text: string, hours: boolean): number | undefined {
  const match = SEXAGESIMAL.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, minutes, seconds] = match as unknown as [string, string, string, string, string | undefined];
  if (Number(minutes) >= 60 || Number(seconds ?? 0) >= 60) return undefined;
  const value = Number(whole) + Number(minutes) / 60 + Number(seconds ?? 0) / 3600;
  return (sign === '-' ? -value : value) * (hours ? 15 : 1);
}

/** Looks like sexagesimal rather than a plain number (has a separator between fields). */
export function isSexagesimal(text: string): boolean {
  return /\d[\s:hd]+\d/.test(text.trim());
}
