export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';

/**
 * What `GET /metrics` shows: totals since start, nothing per request, per node or per client. No byte totals: on a
 * quiet relay, polling them would give each exchange's size away.
 */
export interface RelayMetricsSnapshot {
  startedAt: string;
  requests: number;
  responses: Record<StatusClass, number>;
  rateLimited: number;
}

export class RelayMetrics {
  private readonly startedAt = new Date().toISOString();
  private requests = 0;
  private readonly responses: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  private rateLimited = 0;
  private requestsAtLastReport = 0;

  request(): void {
    this.requests += 1;
  }

  response(status: number): void {
    const key = status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';
    this.responses[key] += 1;
  }

  limited(): void {
    this.rateLimited += 1;
  }

  snapshot(): RelayMetricsSnapshot {
    return {
      startedAt: this.startedAt,
      requests: this.requests,
      responses: { ...this.responses },
      rateLimited: this.rateLimited,
    };
  }

  /**
   * The periodic log line: counts only, and none when nothing happened.
   */
  report(): string | undefined {
    const recent = this.requests - this.requestsAtLastReport;
    if (recent === 0) return undefined;
    this.requestsAtLastReport = this.requests;
    const { '2xx': ok, '3xx': redirected, '4xx': refused, '5xx': failed } = this.responses;
    return (
      `${recent} requests since the last report; totals: ${this.requests} requests, ${ok} 2xx, ${redirected} 3xx, ` +
      `${refused} 4xx (${this.rateLimited} rate limited), ${failed} 5xx`
    );
  }
}
