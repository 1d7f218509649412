import { Injectable } from '@nestjs/common';
import type { AuthUser } from '@app/auth';
import type { RelayResponse } from './dto/relay.response';
import { NotRelayOperatorError, RelayNotFoundError } from './relays.errors';
import { RelaysRepository, type RelayRow } from './relays.repository';

// The registry is a short public list; more than this is not a registry anyone reads whole.
const MAX_LISTED = 500;

/** The relay registry (docs/privacy.md): operators list their relays, clients pick one. */
@Injectable()
export class RelaysService {
  constructor(private readonly relays: RelaysRepository) {}

  async register(user: AuthUser, url: string, name: string): Promise<RelayResponse> {
    // One spelling per relay: a trailing slash would otherwise register the same relay twice.
    return view(await this.relays.create(user.id, url.replace(/\/+$/, ''), name));
  }

  async list(): Promise<RelayResponse[]> {
    return (await this.relays.list(MAX_LISTED)).map(view);
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    const relay = await this.relays.findById(id);
    if (!relay) throw new RelayNotFoundError(id);
    if (user.role !== 'admin' && relay.operatorId !== user.id) throw new NotRelayOperatorError();
    await this.relays.remove(id);
  }
}

function view(row: RelayRow): RelayResponse {
  return {
    id: row.id,
    url: row.url,
    name: row.name,
    operator: { id: row.operatorId, handle: row.operator.handle },
  };
}
