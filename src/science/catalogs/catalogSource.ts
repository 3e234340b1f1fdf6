/** One source of a catalog as the catalog database keeps it: position, 1.4 GHz flux and what else the file gives. */
export interface CatalogSource {
  readonly name: string;
  /** J2000, degrees. */
  readonly raDeg: number;
  readonly decDeg: number;
  /** Flux density at 1.4 GHz (20 cm), Jy. */
  readonly fluxJy: number;
  readonly fluxErrJy?: number;
  /** Fitted (NVSS: deconvolved) major and minor axes, arcsec. */
  readonly majorArcsec?: number;
  readonly minorArcsec?: number;
  /** S ∝ ν^α, where the catalog gives enough to know it. */
  readonly spectralIndex?: number;
  /** Format-specific fields (VLA quality codes, measured fluxes, …), as JSON. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A parsed catalog file: its sources, and how many rows were left out because they have no 1.4 GHz flux. */
export interface ParsedCatalog {
  readonly sources: CatalogSource[];
  readonly skipped: number;
}

/** A catalog file that cannot be read; the message names the file and line (or row) and the field. */
export class CatalogFormatError extends Error {
  override readonly name = 'CatalogFormatError';
  readonly code = 'ECATALOG_FORMAT';
}

/** A source found by a cone search: from which catalog, and how far from the centre. */
export interface ConeMatch extends CatalogSource {
  readonly catalog: string;
  readonly separationDeg: number;
}
