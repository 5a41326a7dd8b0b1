/** Builds `WHERE a = $1 AND b = $2 …` from optional filters, numbering parameters after `offset`. */
export class Where {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `column <op> $n` when `value` is defined. `column` must be a trusted identifier. */
  add(column: string, value: unknown, op = '='): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.parts.push(`${column} ${op} $${this.params.length}`);
    return this;
  }

  /** Adds a raw condition whose parameters are `$n` placeholders written as `?` in order. */
  raw(condition: string, ...values: unknown[]): this {
    let sql = condition;
    for (const v of values) {
      this.params.push(v);
      sql = sql.replace('?', `$${this.params.length}`);
    }
    this.parts.push(sql);
    return this;
  }

  clone(): Where {
    const w = new Where();
    w.parts.push(...this.parts);
    w.params.push(...this.params);
    return w;
  }

  get sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }

  /** The next parameter placeholder, for a LIMIT after the filters. */
  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}
