// Errors of the network layer. A SimulationError says where the model went wrong: the block,
// the subnet and the account (when known), so that a violated identity can be found again.

export interface Where {
  block?: number;
  netuid?: number;
  account?: string;
}

/** A conservation identity or a ledger rule (no negative balance, no u64 overflow) broke. */
export class SimulationError extends Error {
  block: number | undefined;
  netuid: number | undefined;
  account: string | undefined;
  constructor(message: string, where: Where = {}) {
    super(message);
    this.name = 'SimulationError';
    this.block = where.block;
    this.netuid = where.netuid;
    this.account = where.account;
  }
  /** Adds what the caller knows (the block, usually) without overwriting what is known. */
  at(where: Where): this {
    this.block ??= where.block;
    this.netuid ??= where.netuid;
    this.account ??= where.account;
    return this;
  }
  /** one line: `block B, subnet N, account A: message` */
  describe(): string {
    const parts: string[] = [];
    if (this.block !== undefined) parts.push(`block ${this.block}`);
    if (this.netuid !== undefined) parts.push(`subnet ${this.netuid}`);
    if (this.account !== undefined) parts.push(`account ${this.account}`);
    return parts.length ? `${parts.join(', ')}: ${this.message}` : this.message;
  }
}

/** A checkpoint that cannot be trusted (truncated, corrupt, wrong format): nothing was loaded. */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
  describe(): string {
    return `${this.file}: ${this.message}`;
  }
}
