// Where a flow's nodes sit on Node-RED's canvas, as boxes: estimated from the labels the way the
// editor sizes nodes (view.js), or taken from the editor itself; and what is wrong with a layout
// (a box left of or above the canvas, two boxes on each other, a wire drawn behind a third node).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type FlowNode } from './node-red-process';

export interface Box {
  id: string;
  /** What the canvas shows, for messages. */
  label: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
  /** Input ports (0 or 1) and output ports, as the node is drawn. */
  inputs: number;
  outputs: number;
}

/** Node-RED's node_width/node_height (view.js). */
const NODE_WIDTH = 100;
const NODE_HEIGHT = 30;
/**
 * Pixels per label character at the editor's 14 px: measured 7.6–8.6 for these labels in Debian's
 * Chromium (DejaVu Sans stands in for Helvetica/Arial, which are narrower), 9.6 for "commands".
 */
export const CHAR_WIDTH = 8.5;
/** Room under a node of this package for its status ("bot@localhost" and the dot). */
export const STATUS_HEIGHT = 22;
export const STATUS_WIDTH = 130;

/** Core node types drawn without an input port (the rest of the core types in the examples have one). */
const CORE_WITHOUT_INPUT = new Set(['inject', 'http in', 'catch', 'complete', 'status', 'link in', 'comment']);

interface OwnType {
  inputs: number;
  label: (this: FlowNode) => string;
}

let ownTypes: Map<string, OwnType> | undefined;

/** This package's node types with their input count and label function, read from nodes/*.html. */
function ownType(type: string): OwnType | undefined {
  if (!ownTypes) {
    ownTypes = new Map();
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    for (const name of Object.keys(manifest['node-red'].nodes)) {
      const html = readFileSync(join(REPO_ROOT, 'nodes', `${name}.html`), 'utf8');
      const inputs = Number(/^ {4}inputs: (\d)/m.exec(html)?.[1] ?? 0);
      // Configuration nodes are never drawn on the canvas.
      if (/^\s+category: 'config'/m.test(html)) continue;
      const body = /^( +)label: function \(\) \{\n([\s\S]*?)\n\1\},?$/m.exec(html)?.[2];
      if (body === undefined) throw new Error(`no label function in nodes/${name}.html`);
      // The editor's own label function, run on the node as the editor runs it.
      ownTypes.set(name, { inputs, label: new Function(body) as (this: FlowNode) => string });
    }
  }
  return ownTypes.get(type);
}

/** What the editor's `this._(key, substitutions)` gives in en-US, read from locales/en-US. */
function englishText(key: string, substitutions: Record<string, string> = {}): string {
  const [file, ...path] = key.split('.');
  let value: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'locales', 'en-US', `${file}.json`), 'utf8'));
  for (const part of [file, ...path]) value = (value as Record<string, unknown> | undefined)?.[part];
  if (typeof value !== 'string') throw new Error(`no en-US text for ${key}`);
  return value.replace(/__(\w+)__/g, (_, name: string) => substitutions[name] ?? '');
}

export function isOwnType(type: string): boolean {
  return ownType(type) !== undefined;
}

/** The label the canvas shows: the name, or for this package's nodes what their label function says. */
export function labelOf(node: FlowNode): string {
  if (node.name) return node.name;
  const own = ownType(node.type);
  if (own) return own.label.call({ ...node, _: englishText } as FlowNode);
  throw new Error(`${node.id} (${node.type}) has no name: its label cannot be estimated here; give it one`);
}

/** The nodes of a flow that are drawn on the canvas (not the tab, not config nodes). */
export function drawn(flow: FlowNode[]): FlowNode[] {
  return flow.filter((n) => typeof n.x === 'number' && typeof n.y === 'number');
}

/** A node's box as the editor would size it: view.js's width from the label, height from the outputs. */
export function estimatedBox(node: FlowNode): Box {
  const label = labelOf(node);
  const inputs = ownType(node.type)?.inputs ?? (CORE_WITHOUT_INPUT.has(node.type) ? 0 : 1);
  const outputs = node.type === 'comment' ? 0 : (node.wires ?? []).length;
  const lines = label.split('\\n');
  const textWidth = Math.max(...lines.map((line) => line.length)) * CHAR_WIDTH;
  const w = Math.max(NODE_WIDTH, 20 * Math.ceil((textWidth + 50 + (inputs > 0 ? 7 : 0)) / 20));
  const h = Math.max(6 + 24 * lines.length, outputs * 15, NODE_HEIGHT);
  return boxAt(node, label, w, h, inputs, outputs);
}

/** A box of size w x h centred on the node's x,y (Node-RED keeps a node's centre in x,y). */
export function boxAt(node: FlowNode, label: string, w: number, h: number, inputs: number, outputs: number): Box {
  const x = node.x as number;
  const y = node.y as number;
  return { id: node.id, label, left: x - w / 2, right: x + w / 2, top: y - h / 2, bottom: y + h / 2, inputs, outputs };
}

/** The box with the status line under it for this package's nodes (they show the connection there). */
export function withStatus(box: Box, type: string): Box {
  if (!isOwnType(type)) return box;
  return { ...box, bottom: box.bottom + STATUS_HEIGHT, right: Math.max(box.right, box.left + STATUS_WIDTH) };
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Whether the segment from p to q passes through the inside of the box (Liang–Barsky clipping). */
export function segmentCrossesBox(p: [number, number], q: [number, number], box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  const edges: Array<[number, number]> = [
    [-dx, p[0] - box.left],
    [dx, box.right - p[0]],
    [-dy, p[1] - box.top],
    [dy, box.bottom - p[1]],
  ];
  for (const [pe, qe] of edges) {
    if (pe === 0) {
      if (qe <= 0) return false;
      continue;
    }
    const t = qe / pe;
    if (pe < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return false;
  }
  return true;
}

/**
 * What is wrong with a layout, one line each (none for a good one): boxes must lie in x ≥ 0, y ≥ 0,
 * no two may overlap (a node of this package with its status line under it), and no wire's straight
 * line from the source's output port to the target's input may pass through a third box.
 */
export function layoutProblems(flow: FlowNode[], boxOf: (node: FlowNode) => Box = estimatedBox): string[] {
  const nodes = drawn(flow);
  const boxes = new Map(nodes.map((n) => [n.id, boxOf(n)]));
  const framed = new Map(nodes.map((n) => [n.id, withStatus(boxes.get(n.id)!, n.type)]));
  const name = (b: Box): string => `${b.id} "${b.label}"`;
  const problems: string[] = [];
  for (const box of boxes.values()) {
    if (box.left < 0 || box.top < 0) problems.push(`${name(box)} reaches out of the canvas (left ${box.left}, top ${box.top})`);
  }
  const all = [...framed.values()];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (overlaps(all[i]!, all[j]!)) problems.push(`${name(all[i]!)} and ${name(all[j]!)} overlap`);
    }
  }
  for (const node of nodes) {
    const source = boxes.get(node.id)!;
    (node.wires ?? []).forEach((targets, port) => {
      const from: [number, number] = [source.right, source.top + ((port + 1) * (source.bottom - source.top)) / (source.outputs + 1)];
      for (const targetId of targets) {
        const target = boxes.get(targetId);
        if (!target) {
          problems.push(`${name(source)} is wired to ${targetId}, which is not on the canvas`);
          continue;
        }
        const to: [number, number] = [target.left, (target.top + target.bottom) / 2];
        for (const [id, other] of boxes) {
          if (id === node.id || id === targetId) continue;
          if (segmentCrossesBox(from, to, other)) problems.push(`the wire ${name(source)} → ${name(target)} runs behind ${name(other)}`);
        }
      }
    });
  }
  return problems;
}
