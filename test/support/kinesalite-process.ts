import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/**
 * kinesalite in a child process of its own, bound to the loopback interface and stopped by PID:
 * for tests that measure the memory of the process under test, which the emulator's stored
 * records must not count against.
 */
export interface KinesaliteProcess {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startKinesaliteProcess(): Promise<KinesaliteProcess> {
  const port = await freePort();
  const script = [
    "const k = require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });",
    `k.listen(${port}, '127.0.0.1', () => process.stdout.write('listening\\n'));`,
  ].join('\n');
  const child: ChildProcess = spawn(process.execPath, ['--max-old-space-size=4096', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stderr?.on('data', (d) => output.push(String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kinesalite did not start within 15 s:\n${output.join('')}`)), 15_000);
    child.stdout?.on('data', (d) => {
      if (String(d).includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kinesalite exited with ${code}:\n${output.join('')}`));
    });
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid!, 'SIGTERM');
      await gone;
    },
  };
}
