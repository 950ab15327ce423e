// Lets a peer send this process HTTP/2 DATA frames of up to 1 MiB instead of 16 KiB.
//
// Bulk bytes (file chunks, row chunks) come from the staging agent as 256 KiB–1 MiB messages.
// With HTTP/2's default SETTINGS_MAX_FRAME_SIZE every message was cut into 16 KiB frames, each
// framed by nghttp2 and handed to the socket on its own. With 1 MiB frames the assets bench's
// initial copy took 10-15% less CPU on each agent's main thread (figures in the README). The
// frame size is the receiver's setting, and grpc-js builds its client sessions' settings itself
// with no option for it, so the settings it passes to `http2.connect` are extended here. Only
// what a peer may send us changes; nothing we send.
import http2 from 'node:http2';

export const LARGE_FRAME_SIZE = 1024 * 1024;

let installed = false;

/** Idempotent; affects HTTP/2 client sessions this process opens from now on. */
export function acceptLargeFrames(): void {
  if (installed) return;
  installed = true;
  const connect = http2.connect;
  const patched = (authority: string | URL, options?: http2.ClientSessionOptions | http2.SecureClientSessionOptions, listener?: (session: http2.ClientHttp2Session, socket: unknown) => void): http2.ClientHttp2Session => {
    const settings = { maxFrameSize: LARGE_FRAME_SIZE, ...options?.settings };
    return connect(authority, { ...options, settings }, listener as never);
  };
  (http2 as { connect: unknown }).connect = patched;
}
