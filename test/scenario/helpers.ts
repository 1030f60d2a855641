/**
 * Test helpers for the scenario language: parse expecting success or a
 * specific error, and strip locations for structural comparison.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseScenario } from '../../src/scenario/parser.ts';
import type { ParseError, Scenario } from '../../src/scenario/parser.ts';

export const HEAD = 'device(nic, dma_mask=32)\n';

/** Every library scenario and lesson file, sorted. */
export function scenarioFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.dma')) out.push(p);
    }
  };
  walk('src/scenario/library');
  walk('src/scenario/lessons');
  return out.sort();
}

/** Parse text that must be valid. */
export function ok(text: string): Scenario {
  const r = parseScenario(text);
  if (!r.ok) throw new Error(`expected the scenario to parse, got:\n${r.errors.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n')}`);
  return r.scenario;
}

/** Parse text that must fail; returns the errors. */
export function errors(text: string): ParseError[] {
  const r = parseScenario(text);
  if (r.ok) throw new Error('expected parse errors, got none');
  return r.errors;
}

/** Expect an error at line:col whose message contains every substring. */
export function expectError(text: string, line: number, col: number, ...substrings: string[]): void {
  const errs = errors(text);
  const at = errs.filter((e) => e.line === line && e.col === col);
  const shown = errs.map((e) => `${e.line}:${e.col}: ${e.message}`).join('\n');
  expect(at.length, `no error at ${line}:${col}; got:\n${shown}`).toBeGreaterThan(0);
  for (const s of substrings) {
    expect(
      at.some((e) => e.message.includes(s)),
      `no error at ${line}:${col} containing ${JSON.stringify(s)}; got:\n${shown}`,
    ).toBe(true);
  }
}

/** A deep copy without `loc` and `source` fields (positions and spacing), for comparing parses. */
export function stripLocs(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(stripLocs);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'loc' && k !== 'source') out[k] = stripLocs(v);
    return out;
  }
  return x;
}
