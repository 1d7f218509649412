// A minimal writer of GGUF v3 files (llama.cpp's model format: github.com/ggml-org/ggml, docs/gguf.md), enough to
// make a small model in a test: metadata of the common value types and F32 tensors. No npm package writes GGUF
// (@huggingface/gguf only reads), and no model file can be downloaded here.

/** GGUF metadata value types (gguf_metadata_value_type). */
export enum GgufType {
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
}

type Scalar =
  GgufType.UInt32 | GgufType.Int32 | GgufType.Float32 | GgufType.Bool | GgufType.String | GgufType.UInt64;

export type GgufValue =
  | { type: GgufType.UInt32 | GgufType.Int32 | GgufType.Float32 | GgufType.UInt64; value: number }
  | { type: GgufType.Bool; value: boolean }
  | { type: GgufType.String; value: string }
  | { type: GgufType.Array; of: Scalar; value: readonly (number | string | boolean)[] };

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the length of a row (the fastest-moving index). */
  dims: readonly number[];
  data: Float32Array;
}

const MAGIC = 'GGUF';
const VERSION = 3;
/** general.alignment's default: each tensor's data starts at a multiple of it. */
const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

class ByteWriter {
  private readonly parts: Buffer[] = [];
  length = 0;

  bytes(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }

  private fixed(size: number, write: (buffer: Buffer) => void): void {
    const buffer = Buffer.alloc(size);
    write(buffer);
    this.bytes(buffer);
  }

  u32(value: number): void {
    this.fixed(4, (b) => b.writeUInt32LE(value));
  }

  i32(value: number): void {
    this.fixed(4, (b) => b.writeInt32LE(value));
  }

  u64(value: number): void {
    this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(value)));
  }

  f32(value: number): void {
    this.fixed(4, (b) => b.writeFloatLE(value));
  }

  string(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.u64(utf8.length);
    this.bytes(utf8);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const gap = (alignment - (this.length % alignment)) % alignment;
    if (gap > 0) this.bytes(Buffer.alloc(gap));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function writeScalar(out: ByteWriter, type: Scalar, value: number | string | boolean): void {
  if (type === GgufType.String) return out.string(String(value));
  if (type === GgufType.Bool) return out.bytes(Buffer.from([value ? 1 : 0]));
  const number = Number(value);
  if (type === GgufType.UInt32) return out.u32(number);
  if (type === GgufType.Int32) return out.i32(number);
  if (type === GgufType.Float32) return out.f32(number);
  out.u64(number);
}

/** The whole file: header, metadata, tensor infos, then the tensors' data, each aligned. */
export function writeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensor[]): Buffer {
  const out = new ByteWriter();
  out.bytes(Buffer.from(MAGIC, 'ascii'));
  out.u32(VERSION);
  out.u64(tensors.length);
  out.u64(metadata.size);
  for (const [key, entry] of metadata) {
    out.string(key);
    out.u32(entry.type);
    if (entry.type === GgufType.Array) {
      out.u32(entry.of);
      out.u64(entry.value.length);
      for (const item of entry.value) writeScalar(out, entry.of, item);
    } else writeScalar(out, entry.type, entry.value);
  }
  // Offsets are relative to the start of the data section, which begins aligned after the infos.
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
    if (elements !== tensor.data.length)
      throw new Error(`Tensor ${tensor.name}: dims hold ${elements} values, data has ${tensor.data.length}`);
    out.string(tensor.name);
    out.u32(tensor.dims.length);
    for (const dim of tensor.dims) out.u64(dim);
    out.u32(GGML_TYPE_F32);
    out.u64(offset);
    offset += tensor.data.byteLength;
    offset += (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
  }
  out.pad(ALIGNMENT);
  for (const tensor of tensors) {
    out.bytes(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.pad(ALIGNMENT);
  }
  return out.toBuffer();
}
