/**
 * A TCP target that never answers: a listener with backlog 0 (perl, since
 * Node's listeners always accept) whose one queue slot is taken, so the
 * kernel drops further SYNs and a connect to it hangs until the caller's
 * timeout. For the relay's connect-timeout tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';

export interface DeadTarget {
  readonly port: number;
  stop(): void;
}

export async function startDeadTarget(): Promise<DeadTarget> {
  const script =
    'use Socket; socket(my $s, PF_INET, SOCK_STREAM, 0) or die; bind($s, sockaddr_in(0, inet_aton("127.0.0.1"))) or die;' +
    ' listen($s, 0) or die; my ($p) = sockaddr_in(getsockname($s)); $| = 1; print "$p\\n"; sleep 300;';
  const child: ChildProcess = spawn('perl', ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  const filler = net.connect(port, '127.0.0.1');
  await once(filler, 'connect');
  return {
    port,
    stop() {
      filler.destroy();
      child.kill();
    },
  };
}
