// An in-memory EventStore (the SDK's resumability hook) that replays in send order.
// The SDK's example store sorts ids made of Date.now() + random digits, so two events stored
// in the same millisecond can come back swapped, and it splits stream ids on '_', which
// breaks the standalone GET stream ('_GET_stream'). One store per session; bounded.
export class OrderedEventStore {
  constructor(limit = 10000) {
    this.limit = limit;
    this.seq = 0;
    this.byId = new Map(); // eventId -> {streamId, seq, message}
  }

  async storeEvent(streamId, message) {
    const eventId = `e${++this.seq}`;
    this.byId.set(eventId, { streamId, seq: this.seq, message });
    if (this.byId.size > this.limit) {
      this.byId.delete(this.byId.keys().next().value);
    }
    return eventId;
  }

  async getStreamIdForEventId(eventId) {
    return this.byId.get(eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId, { send }) {
    const last = this.byId.get(lastEventId);
    if (!last) {
      return '';
    }
    // Map iteration is insertion order, i.e. seq order.
    for (const [eventId, ev] of this.byId) {
      if (ev.streamId === last.streamId && ev.seq > last.seq && Object.keys(ev.message).length > 0) {
        await send(eventId, ev.message);
      }
    }
    return last.streamId;
  }
}
