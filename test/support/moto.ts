import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

/**
 * moto's server mode: a local AWS API emulator (Glue, S3, SQS, …), bound to the loopback
 * interface and stopped by PID. The executable is `$MOTO_SERVER`, or `.venv/bin/moto_server` of
 * the repository (see the README's set-up: `requirements-dev.txt`).
 */
export interface LocalMoto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

const DEFAULT_EXECUTABLE = path.join(__dirname, '../../.venv/bin/moto_server');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMoto(): Promise<LocalMoto> {
  const executable = process.env.MOTO_SERVER ?? DEFAULT_EXECUTABLE;
  if (!fs.existsSync(executable)) {
    throw new Error(
      `moto_server not found at ${executable}: create the repository's Python environment with `
      + '\'python3 -m venv .venv && .venv/bin/pip install -r requirements-dev.txt\', or set MOTO_SERVER to a moto_server executable',
    );
  }
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (let i = 0; i < 300 && !exited; i++) {
    if (await accepts(port)) {
      return {
        endpoint: `http://127.0.0.1:${port}`,
        stop: async () => {
          if (exited) return;
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await gone;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`moto_server did not listen on 127.0.0.1:${port} within 15 s:\n${output.join('')}`);
}
