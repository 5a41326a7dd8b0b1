import type { AnomalyView, Diagnosis } from '@immune/contracts';
import { agentErrors } from './agent.errors';

// The gateway validates requests too; the decider checks again because commands also come from services.

/** A non-blank string, trimmed. */
export function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string') throw agentErrors.invalid(field, `must be a string, got ${typeName(value)}`);
  const text = value.trim();
  if (text === '') throw agentErrors.invalid(field, 'must not be empty or blank');
  return text;
}

/** `value` when it is one of `allowed`, `fallback` when absent (undefined or null). */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string): T {
  if (value === undefined || value === null) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw agentErrors.invalid(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return found;
}

/** A positive whole number of seconds, or null when absent. */
export function optionalTtlSeconds(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw agentErrors.invalid(field, `must be a positive integer number of seconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A finite number ≥ 0 (a deviation in σ), or null when absent. */
export function optionalDeviation(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw agentErrors.invalid(field, `must be a finite number ≥ 0 or null, got ${String(value)}`);
  }
  return value;
}

/** A non-blank string, trimmed, or null when absent (undefined or null). */
export function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  return requireText(value, field);
}

/** A literal boolean; absent or anything else is refused (flags that decide enforcement must be explicit). */
export function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw agentErrors.invalid(field, `must be true or false, got ${typeName(value)}`);
  return value;
}

/** A finite number ≥ 0 (a deviation in σ). */
export function requireDeviation(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw agentErrors.invalid(field, `must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

/** One of `allowed`; absent is refused. */
export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (value === undefined || value === null) throw agentErrors.invalid(field, `is required: one of ${allowed.join(', ')}`);
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw agentErrors.invalid(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

/** At least one anomaly, each with a type, a metric and a σ ≥ 0, copied. */
export function anomalyList(value: unknown, field: string): AnomalyView[] {
  if (!Array.isArray(value)) throw agentErrors.invalid(field, `must be an array, got ${typeName(value)}`);
  const items: unknown[] = value;
  if (items.length === 0) throw agentErrors.invalid(field, 'must name at least one anomaly');
  return items.map((item, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(item)) throw agentErrors.invalid(at, `must be an object, got ${typeName(item)}`);
    const sigma = item['sigma'];
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) {
      throw agentErrors.invalid(`${at}.sigma`, `must be a finite number ≥ 0, got ${String(sigma)}`);
    }
    return { type: requireText(item['type'], `${at}.type`), metric: requireText(item['metric'], `${at}.metric`), sigma };
  });
}

/** A string or null (an absent value is null). */
export function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw agentErrors.invalid(field, `must be a string or null, got ${typeName(value)}`);
  return value;
}

/** An array of strings, copied; [] when absent. */
export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw agentErrors.invalid(field, `must be an array of strings, got ${typeName(value)}`);
  const items: unknown[] = value;
  return items.map((item, i) => {
    if (typeof item !== 'string') throw agentErrors.invalid(`${field}[${i}]`, `must be a string, got ${typeName(item)}`);
    return item;
  });
}

/** Diagnoses with a hypothesis and a confidence in [0, 1], copied; [] when absent. */
export function diagnosisList(value: unknown, field: string): Diagnosis[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw agentErrors.invalid(field, `must be an array, got ${typeName(value)}`);
  const items: unknown[] = value;
  return items.map((item, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(item)) throw agentErrors.invalid(at, `must be an object, got ${typeName(item)}`);
    const hypothesis = requireText(item['hypothesis'], `${at}.hypothesis`);
    const confidence = item['confidence'];
    if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
      throw agentErrors.invalid(`${at}.confidence`, `must be a number in [0, 1], got ${String(confidence)}`);
    }
    const diagnosis: Diagnosis = { hypothesis, confidence };
    if (item['evidence'] !== undefined) diagnosis.evidence = stringList(item['evidence'], `${at}.evidence`);
    return diagnosis;
  });
}

/** A JSON object or null when absent. */
export function optionalRecord(value: unknown, field: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw agentErrors.invalid(field, `must be an object or null, got ${typeName(value)}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
