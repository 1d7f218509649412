// Sends one /chat event `count` times on one socket, from its own process, as an attacker's client would: the
// test process then times the api alone. Prints how many events had each outcome (an ack's code, ok, or
// disconnected when the server closed the socket before answering), as JSON.
import { io } from 'socket.io-client';

const [url, token, event, payload, count] = process.argv.slice(2);
const socket = io(`${url}/chat`, {
  auth: { token },
  transports: ['websocket'],
  reconnection: false,
  forceNew: true,
});
await new Promise((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('connect_error', reject);
});
const acks = await Promise.all(
  Array.from({ length: Number(count) }, () =>
    socket
      .timeout(60_000)
      .emitWithAck(event, JSON.parse(payload))
      .then(
        (ack) => (ack.ok ? 'ok' : ack.error.code),
        () => 'disconnected',
      ),
  ),
);
socket.disconnect();
const outcomes = {};
for (const outcome of acks) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
process.stdout.write(JSON.stringify(outcomes));
