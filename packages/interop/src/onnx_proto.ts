/**
 * A minimal protobuf writer for the ONNX messages charrnn's export uses (ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto), field numbers as in onnx/onnx.proto.
 * Writing them by hand keeps the package free of a protobuf runtime: the subset is a few varint,
 * fixed32 and length-delimited fields.
 * @internal
 */

/** Bytes of one protobuf message under construction. */
class Message {
  private readonly parts: number[] = [];

  private varint(value: bigint): void {
    // int64 fields: negative values as 10-byte two's complement.
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.parts.push(...b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    for (let i = 0; i < value.length; i++) this.parts.push(value[i] as number);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.finish());
  }

  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new Message();
    for (const v of values) inner.varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

/** An initializer or constant: a name, dims, and float32 or int64 values. */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  values: Float32Array | BigInt64Array;
}

/** An attribute value: int, float, string, ints, floats, or a tensor. */
export type OnnxAttribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly (number | bigint)[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: OnnxTensor };

/** One node of the graph. */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, OnnxAttribute>>;
  domain?: string;
}

/** A graph input or output: name, element type, dims (a string for a symbolic dim). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: readonly (number | string)[];
}

/** Everything a model file holds. */
export interface OnnxModel {
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** Opset version per domain (`''` = ai.onnx). */
  opsets: Readonly<Record<string, number>>;
  irVersion: number;
  producer: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

function tensorProto(t: OnnxTensor): Message {
  const m = new Message().packedInts(1, t.dims);
  const float = t.values instanceof Float32Array;
  m.int(2, float ? ONNX_FLOAT : ONNX_INT64).string(8, t.name);
  const raw = new Uint8Array(t.values.length * (float ? 4 : 8));
  const view = new DataView(raw.buffer);
  t.values.forEach((v: number | bigint, i: number) => {
    if (float) view.setFloat32(4 * i, v as number, true);
    else view.setBigInt64(8 * i, v as bigint, true);
  });
  return m.bytes(9, raw);
}

function attributeProto(name: string, a: OnnxAttribute): Message {
  const m = new Message().string(1, name);
  switch (a.type) {
    case 'float':
      return m.float(2, a.value).int(20, 1);
    case 'int':
      return m.int(3, a.value).int(20, 2);
    case 'string':
      return m.string(4, a.value).int(20, 3);
    case 'tensor':
      return m.message(5, tensorProto(a.value)).int(20, 4);
    case 'floats': {
      const raw = new Uint8Array(4 * a.value.length);
      a.value.forEach((v, i) => new DataView(raw.buffer).setFloat32(4 * i, v, true));
      return m.bytes(7, raw).int(20, 6);
    }
    case 'ints':
      return m.packedInts(8, a.value).int(20, 7);
    case 'strings':
      for (const s of a.value) m.string(9, s);
      return m.int(20, 8);
  }
}

function valueInfoProto(v: OnnxValueInfo): Message {
  const shape = new Message();
  for (const d of v.dims)
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, v.elemType).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

/** The ONNX model file (a serialized ModelProto). @internal */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph = new Message();
  for (const n of model.nodes) {
    const node = new Message();
    for (const i of n.inputs) node.string(1, i);
    for (const o of n.outputs) node.string(2, o);
    node.string(3, `${n.op}_${n.outputs[0] ?? ''}`).string(4, n.op);
    for (const [name, a] of Object.entries(n.attributes ?? {})) node.message(5, attributeProto(name, a));
    if (n.domain !== undefined) node.string(7, n.domain);
    graph.message(1, node);
  }
  graph.string(2, 'charrnn');
  for (const t of model.initializers) graph.message(5, tensorProto(t));
  for (const i of model.inputs) graph.message(11, valueInfoProto(i));
  for (const o of model.outputs) graph.message(12, valueInfoProto(o));
  const m = new Message().int(1, model.irVersion).string(2, model.producer);
  if (model.docString !== undefined) m.string(6, model.docString);
  m.message(7, graph);
  for (const [domain, version] of Object.entries(model.opsets))
    m.message(8, new Message().string(1, domain).int(2, version));
  for (const [key, value] of Object.entries(model.metadata ?? {}))
    m.message(14, new Message().string(1, key).string(2, value));
  return m.finish();
}
