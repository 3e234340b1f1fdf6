// Hand-written types for build/Release/contimg_native.node. Only native/index.ts loads it.

export interface ColumnInfo {
  readonly name: string;
  /** casacore's element type: "Bool", "Int", "Int64", "Float", "Double", "Complex", "DComplex", "String", … */
  readonly dataType: string;
  readonly isArray: boolean;
  /** Array columns whose dimensionality is fixed. */
  readonly ndim?: number;
  /** Fixed-shape array columns, in casacore axis order (fastest-varying first: DATA is [nCorr, nChan]). */
  readonly shape?: readonly number[];
  /** The storage manager the column is bound to, e.g. "StandardStMan", "TiledColumnStMan". */
  readonly dataManagerType: string;
}

export interface TableInfo {
  readonly nrows: number;
  /** The TableInfo type, e.g. "Measurement Set"; empty when the table has none. */
  readonly tableType: string;
  readonly columns: readonly ColumnInfo[];
  /** Keywords that refer to subtables: keyword name → absolute path. */
  readonly subtables: Readonly<Record<string, string>>;
}

export interface NativeBinding {
  /** Rejects with an Error whose message is "casacore: " followed by casacore's own message. */
  tableInfo(path: string): Promise<TableInfo>;
}
