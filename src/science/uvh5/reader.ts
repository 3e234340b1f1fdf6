/**
 * UVH5 reader: the header as the model (model.ts), the visibilities per block of rows.
 *
 * Files are opened read-only and closed on every path. Visibilities are read one block of rows at
 * a time straight into the WASM heap (h5wasm's 2 GiB heap cannot hold a full-band dataset), so
 * memory is bounded by the block size.
 */
import { Uvh5Error } from './errors.js';
import { H5T, Hdf5File, type Metadata } from './hdf5.js';
import {
  checkHeader,
  DATA_FIELDS,
  FIELDS,
  resolveShape,
  type Dimension,
  type FieldName,
  type FieldSpec,
  type Keywords,
  type KeywordValue,
  type Uvh5Header,
} from './model.js';

/** A block of consecutive rows (baseline-times) of `Data/`. */
export interface VisibilityBlock {
  /** Index of the block's first row in the file's Nblts rows. */
  readonly firstRow: number;
  readonly rowCount: number;
  /**
   * [rowCount, Nfreqs, Npols, 2]: re, im interleaved, polarisation fastest, then channel, then row.
   * Float64Array for complex128 files, Float32Array for complex64 and for int32 ones (converted).
   */
  readonly visibilities: Float32Array | Float64Array;
  /** [rowCount, Nfreqs, Npols], 1 = flagged. */
  readonly flags: Uint8Array;
  /** [rowCount, Nfreqs, Npols]. */
  readonly nsamples: Float32Array;
}

export interface BlockOptions {
  /** Rows per block; default Nbls (one integration when rows are time-major, as DSA-110 writes them). */
  readonly rowsPerBlock?: number;
}

/** Reads and checks the header alone (Data/ is not touched): a few ms once h5wasm is initialised. */
export async function readHeader(path: string): Promise<Uvh5Header> {
  const file = await Hdf5File.open(path);
  try {
    return readCheckedHeader(file);
  } finally {
    file.close();
  }
}

/** Opens a UVH5 file for block reads; the caller must close() it. */
export async function openUvh5(path: string): Promise<Uvh5File> {
  const file = await Hdf5File.open(path);
  try {
    return new Uvh5File(file, readCheckedHeader(file));
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Every row of a file, block by block; the file is closed when the loop ends, breaks or throws. */
export async function* readBlocks(path: string, options: BlockOptions = {}): AsyncGenerator<VisibilityBlock, void, undefined> {
  const file = await openUvh5(path);
  try {
    yield* file.blocks(options);
  } finally {
    file.close();
  }
}

type VisibilityType = 'float32' | 'float64' | 'int32';

/** An open UVH5 file (from openUvh5): its checked header and random access to rows of its data. */
export class Uvh5File {
  /** On-disk [rows, (1,) Nfreqs, Npols] shape of the data arrays, minus the row axis. */
  private readonly rowShape: number[];
  private readonly visdata: Metadata;
  private readonly visibilityType: VisibilityType;
  private readonly flags: Metadata;
  private readonly nsamples: Metadata;

  constructor(
    private readonly file: Hdf5File,
    readonly header: Uvh5Header,
  ) {
    this.visdata = this.dataMetadata('visdata');
    this.flags = this.dataMetadata('flags');
    this.nsamples = this.dataMetadata('nsamples');
    this.rowShape = (this.visdata.shape ?? []).slice(1);
    this.visibilityType = visibilityType(this.visdata, file.path);
    checkType(flagsAreBytes(this.flags), file.path, 'Data/flags', 'bool (or 1-byte integers)', this.flags);
    checkType(isFloat(this.nsamples), file.path, 'Data/nsamples', 'float32 or float64', this.nsamples);
  }

  get path(): string {
    return this.file.path;
  }

  /** Rows [firstRow, firstRow + rowCount) of visdata, flags and nsamples. */
  readRows(firstRow: number, rowCount: number): VisibilityBlock {
    const { Nblts } = this.header;
    if (!Number.isSafeInteger(firstRow) || !Number.isSafeInteger(rowCount) || firstRow < 0 || rowCount < 1 || firstRow + rowCount > Nblts) {
      throw new Uvh5Error('out-of-range', this.path, 'Data', `rows [${firstRow}, ${firstRow + rowCount}) are outside [0, ${Nblts})`);
    }
    const selection = { offset: [firstRow, ...this.rowShape.map(() => 0)], count: [rowCount, ...this.rowShape] };
    return {
      firstRow,
      rowCount,
      visibilities: this.decodeVisibilities(this.file.read('Data/visdata', this.visdata, selection)),
      flags: this.decodeFlags(this.file.read('Data/flags', this.flags, selection)),
      nsamples: toFloat32(this.file.read('Data/nsamples', this.nsamples, selection), this.nsamples),
    };
  }

  *blocks({ rowsPerBlock = this.header.Nbls }: BlockOptions = {}): Generator<VisibilityBlock, void, undefined> {
    if (!Number.isSafeInteger(rowsPerBlock) || rowsPerBlock < 1) {
      throw new Uvh5Error('out-of-range', this.path, 'Data', `rowsPerBlock must be a positive integer, is ${rowsPerBlock}`);
    }
    for (let first = 0; first < this.header.Nblts; first += rowsPerBlock) {
      yield this.readRows(first, Math.min(rowsPerBlock, this.header.Nblts - first));
    }
  }

  close(): void {
    this.file.close();
  }

  private dataMetadata(name: keyof typeof DATA_FIELDS): Metadata {
    const path = `Data/${name}`;
    if (this.file.kind(path) !== 'dataset') throw new Uvh5Error('missing-field', this.path, path, 'required dataset is absent');
    const metadata = this.file.metadata(path);
    const spec = DATA_FIELDS[name];
    const accepted = [spec.dims, ...spec.legacyShapes].map((dims) => resolveShape(dims, this.header));
    if (!accepted.some((shape) => sameShape(shape, metadata.shape))) {
      throw new Uvh5Error(
        'wrong-shape',
        this.path,
        path,
        `shape [${metadata.shape?.join(', ')}] is neither [${accepted.map((s) => s.join(', ')).join('] nor [')}] (Nblts, (1,) Nfreqs, Npols)`,
      );
    }
    if (name !== 'visdata' && !sameShape(metadata.shape ?? [], this.visdata.shape)) {
      throw new Uvh5Error('wrong-shape', this.path, path, `shape [${metadata.shape?.join(', ')}] differs from visdata's [${this.visdata.shape?.join(', ')}]`);
    }
    return metadata;
  }

  private decodeVisibilities(bytes: Uint8Array): Float32Array | Float64Array {
    switch (this.visibilityType) {
      case 'float64':
        return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      case 'float32':
        return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      case 'int32':
        return Float32Array.from(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    }
  }

  private decodeFlags(bytes: Uint8Array): Uint8Array {
    // h5py's bool is an enum {FALSE: 0, TRUE: 1}; plain byte flags may hold any non-zero value.
    if (this.flags.type !== H5T.ENUM) bytes.forEach((b, i) => (bytes[i] = b === 0 ? 0 : 1));
    return bytes;
  }
}

function readCheckedHeader(file: Hdf5File): Uvh5Header {
  if (file.kind('Header') !== 'group') throw new Uvh5Error('missing-field', file.path, 'Header', 'no Header group: not a UVH5 file');
  const present = new Set(file.members('Header'));
  const header: Record<string, unknown> = {};
  const dims = header as Record<Dimension, number>;
  for (const [name, spec] of Object.entries(FIELDS) as [FieldName, FieldSpec][]) {
    if (!present.has(name)) {
      if (spec.required) throw new Uvh5Error('missing-field', file.path, `Header/${name}`, 'required field is absent');
      continue;
    }
    // FIELDS lists the dimensions first, so every shape below can be resolved.
    header[name] = readField(file, name, spec, dims);
  }
  checkHeader(header as Uvh5Header, file.path);
  return header as Uvh5Header;
}

function readField(file: Hdf5File, name: FieldName, spec: FieldSpec, dims: Record<Dimension, number>): unknown {
  const path = `Header/${name}`;
  if (spec.kind === 'keywords') return readKeywords(file, path);
  if (spec.kind === 'catalog') {
    requireKind(file, path, 'group');
    return Object.fromEntries(file.members(path).map((id) => [id, readKeywords(file, `${path}/${id}`)]));
  }
  requireKind(file, path, 'dataset');
  const metadata = file.metadata(path);
  const shape = metadata.shape ?? [];
  const accepted = [spec.dims, ...(spec.legacyShapes ?? [])];
  if (!accepted.some((axes) => sameShape(resolveShape(axes, dims), shape))) {
    const expected = accepted.map((axes) => `[${axes.join(', ')}] = [${resolveShape(axes, dims).join(', ')}]`).join(' or ');
    throw new Uvh5Error('wrong-shape', file.path, path, `shape [${shape.join(', ')}] is not ${expected}`);
  }

  switch (spec.kind) {
    case 'count':
      checkType(metadata.type === H5T.INTEGER, file.path, path, 'an integer', metadata);
      return toFloat64(file.read(path, metadata), metadata)[0];
    case 'number':
      checkType(isNumeric(metadata), file.path, path, 'a number', metadata);
      return toFloat64(file.read(path, metadata), metadata)[0];
    case 'text':
      checkType(metadata.type === H5T.STRING, file.path, path, 'a string', metadata);
      return readStrings(file, path, metadata)[0];
    case 'strings':
      checkType(metadata.type === H5T.STRING, file.path, path, 'strings', metadata);
      return readStrings(file, path, metadata);
    case 'float64':
      checkType(isNumeric(metadata), file.path, path, 'numbers', metadata);
      return inModelShape(toFloat64(file.read(path, metadata), metadata), resolveShape(spec.dims, dims));
    case 'int32': {
      checkType(metadata.type === H5T.INTEGER, file.path, path, 'integers', metadata);
      const bytes = file.read(path, metadata);
      if (metadata.size === 4 && metadata.signed) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const values = toFloat64(bytes, metadata);
      if (!values.every((v) => v === (v | 0))) throw new Uvh5Error('wrong-type', file.path, path, 'values do not fit in int32');
      return Int32Array.from(values);
    }
  }
}

/** A group of scalar or 1-D datasets as a record (extra_keywords, a phase-centre catalog entry). */
function readKeywords(file: Hdf5File, groupPath: string): Keywords {
  requireKind(file, groupPath, 'group');
  const keywords: Record<string, KeywordValue> = {};
  for (const key of file.members(groupPath)) {
    const path = `${groupPath}/${key}`;
    requireKind(file, path, 'dataset');
    const metadata = file.metadata(path);
    const values = metadata.shape === null ? null : keywordValues(file, path, metadata);
    keywords[key] = values === null ? null : metadata.shape?.length === 0 ? values[0]! : values;
  }
  return keywords;
}

function keywordValues(file: Hdf5File, path: string, metadata: Metadata): readonly (number | string | boolean)[] {
  if (metadata.type === H5T.STRING) return readStrings(file, path, metadata);
  if (isBooleanEnum(metadata)) return Array.from(file.read(path, metadata), (b) => b !== 0);
  if (isNumeric(metadata)) return Array.from(toFloat64(file.read(path, metadata), metadata));
  throw new Uvh5Error('wrong-type', file.path, path, `unsupported keyword datatype (${describe(metadata)})`);
}

function readStrings(file: Hdf5File, path: string, metadata: Metadata): string[] {
  if (metadata.vlen) return file.readVariableStrings(path, metadata);
  const bytes = file.read(path, metadata);
  const decoder = new TextDecoder(metadata.cset === 1 ? 'utf-8' : 'latin1');
  const strings: string[] = [];
  for (let at = 0; at < bytes.length; at += metadata.size) {
    const field = bytes.subarray(at, at + metadata.size);
    const end = field.indexOf(0);
    strings.push(decoder.decode(end < 0 ? field : field.subarray(0, end)));
  }
  return strings;
}

/** Any integer or float dataset as float64 (h5wasm has already converted big-endian data to little-endian). */
function toFloat64(bytes: Uint8Array, metadata: Metadata): Float64Array {
  const { buffer, byteOffset } = bytes;
  const n = bytes.byteLength / metadata.size;
  if (metadata.type === H5T.FLOAT) {
    return metadata.size === 8 ? new Float64Array(buffer, byteOffset, n) : Float64Array.from(new Float32Array(buffer, byteOffset, n));
  }
  const signed = metadata.signed;
  switch (metadata.size) {
    case 1:
      return Float64Array.from(signed ? new Int8Array(buffer, byteOffset, n) : bytes);
    case 2:
      return Float64Array.from(signed ? new Int16Array(buffer, byteOffset, n) : new Uint16Array(buffer, byteOffset, n));
    case 4:
      return Float64Array.from(signed ? new Int32Array(buffer, byteOffset, n) : new Uint32Array(buffer, byteOffset, n));
    default:
      return Float64Array.from(signed ? new BigInt64Array(buffer, byteOffset, n) : new BigUint64Array(buffer, byteOffset, n), Number);
  }
}

function toFloat32(bytes: Uint8Array, metadata: Metadata): Float32Array {
  const n = bytes.byteLength / metadata.size;
  return metadata.size === 4 ? new Float32Array(bytes.buffer, bytes.byteOffset, n) : Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n));
}

/** visdata is a compound {r, i} of two equal little-endian float32, float64 or int32 members. */
function visibilityType(metadata: Metadata, file: string): VisibilityType {
  const members = metadata.compound_type?.members ?? [];
  const [r, i] = members;
  const valid =
    metadata.type === H5T.COMPOUND &&
    members.length === 2 &&
    r?.name === 'r' &&
    i?.name === 'i' &&
    r.offset === 0 &&
    i.offset === r.size &&
    r.type === i.type &&
    r.size === i.size &&
    r.littleEndian &&
    i.littleEndian;
  if (valid && r.type === H5T.FLOAT && (r.size === 4 || r.size === 8)) return r.size === 4 ? 'float32' : 'float64';
  if (valid && r.type === H5T.INTEGER && r.size === 4 && r.signed) return 'int32';
  throw new Uvh5Error('wrong-type', file, 'Data/visdata', `expected a compound {r, i} of float32, float64 or int32, found ${describe(metadata)}`);
}

function requireKind(file: Hdf5File, path: string, kind: 'group' | 'dataset'): void {
  const found = file.kind(path);
  if (found !== kind) throw new Uvh5Error('wrong-type', file.path, path, `expected a ${kind}, found ${found}`);
}

function checkType(ok: boolean, file: string, path: string, expected: string, metadata: Metadata): void {
  if (!ok) throw new Uvh5Error('wrong-type', file, path, `expected ${expected}, found ${describe(metadata)}`);
}

const isFloat = (m: Metadata) => m.type === H5T.FLOAT && (m.size === 4 || m.size === 8);
const isNumeric = (m: Metadata) => isFloat(m) || m.type === H5T.INTEGER;
const isBooleanEnum = (m: Metadata) => m.type === H5T.ENUM && m.size === 1;
const flagsAreBytes = (m: Metadata) => (m.type === H5T.ENUM || m.type === H5T.INTEGER) && m.size === 1;

function describe(m: Metadata): string {
  const names: Record<number, string> = { [H5T.INTEGER]: 'integer', [H5T.FLOAT]: 'float', [H5T.STRING]: 'string', [H5T.COMPOUND]: 'compound', [H5T.ENUM]: 'enum' };
  const members = m.compound_type ? ` {${m.compound_type.members.map((x) => `${x.name}: ${describe(x)}`).join(', ')}}` : '';
  return `${names[m.type] ?? `HDF5 class ${m.type}`} of ${m.size} bytes${members}`;
}

const sameShape = (a: readonly number[], b: readonly number[] | null) => b !== null && a.length === b.length && a.every((n, i) => n === b[i]);

/** A value read in a legacy shape, in the model's: unchanged when only a unit axis differs, else its one value repeated. */
function inModelShape(values: Float64Array, shape: number[]): Float64Array {
  const length = shape.reduce((a, b) => a * b, 1);
  return values.length === length ? values : new Float64Array(length).fill(values[0]!);
}
