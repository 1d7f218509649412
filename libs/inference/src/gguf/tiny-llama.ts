import { GgufTensor, GgufType, GgufValue, writeGguf } from './gguf-writer';

// A tiny llama-architecture model that llama.cpp loads and runs, made in a few milliseconds, for tests of the GGUF
// provider where no model file can be downloaded. Its weights are fixed pseudo-random numbers: it writes gibberish,
// but the same gibberish for the same prompt under greedy decoding, which is what the tests check.

const EMBEDDING = 64;
const HEADS = 4;
const FEED_FORWARD = 128;
const CONTEXT = 256;

// SentencePiece vocabulary ("llama" tokenizer): specials, then byte fallback for anything, then printable pieces.
const UNKNOWN = 0;
const BOS = 1;
const EOS = 2;
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;
const PIECES = [
  ..."▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-",
  ...['▁the', '▁and', '▁of', '▁to', '▁is', 'er', 'in', 'on', 'an', 'th'],
];

interface Vocabulary {
  tokens: string[];
  types: number[];
  scores: number[];
  /** Ids below this are specials and bytes: the output layer never favours them (see below). */
  firstPiece: number;
}

function vocabulary(): Vocabulary {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let byte = 0; byte < 256; byte += 1) {
    tokens.push(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_BYTE);
  }
  const firstPiece = tokens.length;
  for (const piece of PIECES) {
    tokens.push(piece);
    types.push(TOKEN_NORMAL);
  }
  // SentencePiece merges the highest-scoring pieces first: longer pieces win over single characters.
  const scores = tokens.map((token, id) => (id < firstPiece ? 0 : [...token].length - 10));
  return { tokens, types, scores, firstPiece };
}

/** xorshift32: the same weights on every machine and every run, uniform in [-scale, scale). */
function random(seed: number): (scale: number) => number {
  let state = seed >>> 0 || 1;
  return (scale) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state / 2 ** 32) * 2 * scale - scale;
  };
}

export interface TinyLlamaOptions {
  /** Another seed, another model (another deterministic reply). */
  seed?: number;
}

/** The bytes of a GGUF file: 1 layer, 64 dimensions, 4 heads, a 338-token vocabulary, 256 tokens of context. */
export function makeTinyLlamaGguf(options: TinyLlamaOptions = {}): Buffer {
  const next = random(options.seed ?? 0x9e3779b9);
  const vocab = vocabulary();
  const size = vocab.tokens.length;
  const matrix = (rows: number, columns: number, scale: number): GgufTensor['data'] =>
    Float32Array.from({ length: rows * columns }, () => next(scale));
  const ones = (length: number): GgufTensor['data'] => new Float32Array(length).fill(1);
  // The logits of specials and bytes are 0 while printable pieces get random ones, so greedy decoding always
  // picks a printable piece: the reply is text and never ends on its own (the tests' caps always apply).
  const output = matrix(size, EMBEDDING, 0.5);
  output.fill(0, 0, vocab.firstPiece * EMBEDDING);
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [EMBEDDING, size], data: matrix(size, EMBEDDING, 1) },
    { name: 'output_norm.weight', dims: [EMBEDDING], data: ones(EMBEDDING) },
    { name: 'output.weight', dims: [EMBEDDING, size], data: output },
    { name: 'blk.0.attn_norm.weight', dims: [EMBEDDING], data: ones(EMBEDDING) },
    { name: 'blk.0.attn_q.weight', dims: [EMBEDDING, EMBEDDING], data: matrix(EMBEDDING, EMBEDDING, 0.2) },
    { name: 'blk.0.attn_k.weight', dims: [EMBEDDING, EMBEDDING], data: matrix(EMBEDDING, EMBEDDING, 0.2) },
    { name: 'blk.0.attn_v.weight', dims: [EMBEDDING, EMBEDDING], data: matrix(EMBEDDING, EMBEDDING, 0.2) },
    {
      name: 'blk.0.attn_output.weight',
      dims: [EMBEDDING, EMBEDDING],
      data: matrix(EMBEDDING, EMBEDDING, 0.2),
    },
    { name: 'blk.0.ffn_norm.weight', dims: [EMBEDDING], data: ones(EMBEDDING) },
    {
      name: 'blk.0.ffn_gate.weight',
      dims: [EMBEDDING, FEED_FORWARD],
      data: matrix(FEED_FORWARD, EMBEDDING, 0.2),
    },
    {
      name: 'blk.0.ffn_up.weight',
      dims: [EMBEDDING, FEED_FORWARD],
      data: matrix(FEED_FORWARD, EMBEDDING, 0.2),
    },
    {
      name: 'blk.0.ffn_down.weight',
      dims: [FEED_FORWARD, EMBEDDING],
      data: matrix(EMBEDDING, FEED_FORWARD, 0.2),
    },
  ];
  const u32 = (value: number): GgufValue => ({ type: GgufType.UInt32, value });
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: GgufType.String, value: 'llama' }],
    ['general.name', { type: GgufType.String, value: 'twinproof-tiny-llama' }],
    ['general.alignment', u32(32)],
    ['llama.context_length', u32(CONTEXT)],
    ['llama.embedding_length', u32(EMBEDDING)],
    ['llama.block_count', u32(1)],
    ['llama.feed_forward_length', u32(FEED_FORWARD)],
    ['llama.attention.head_count', u32(HEADS)],
    ['llama.attention.head_count_kv', u32(HEADS)],
    ['llama.rope.dimension_count', u32(EMBEDDING / HEADS)],
    ['llama.attention.layer_norm_rms_epsilon', { type: GgufType.Float32, value: 1e-5 }],
    ['llama.vocab_size', u32(size)],
    ['tokenizer.ggml.model', { type: GgufType.String, value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: GgufType.Array, of: GgufType.String, value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: GgufType.Array, of: GgufType.Float32, value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: GgufType.Array, of: GgufType.Int32, value: vocab.types }],
    ['tokenizer.ggml.bos_token_id', u32(BOS)],
    ['tokenizer.ggml.eos_token_id', u32(EOS)],
    ['tokenizer.ggml.unknown_token_id', u32(UNKNOWN)],
    ['tokenizer.ggml.add_bos_token', { type: GgufType.Bool, value: true }],
    ['tokenizer.ggml.add_eos_token', { type: GgufType.Bool, value: false }],
  ]);
  return writeGguf(metadata, tensors);
}
