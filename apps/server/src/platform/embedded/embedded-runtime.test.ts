import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discardIfHeldBy, lockOwner, takeOver, tryLock, withLock } from './embedded-runtime';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visapi-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** A lock directory as a process that then died left it. */
function lockOf(dir: string, pid: number) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'pid'), String(pid));
}

describe('the embedded folder lock', () => {
  it('is held by one caller at a time, and leaves nothing behind', async () => {
    const dir = dataDir();
    const held: string[] = [];
    let releaseFirst!: () => void;
    const first = withLock(dir, async () => {
      held.push('first in');
      await new Promise<void>((r) => (releaseFirst = r));
      held.push('first out');
    });
    const second = withLock(dir, async () => {
      held.push('second in');
    });
    await expect.poll(() => held).toEqual(['first in']);
    expect(lockOwner(path.join(dir, 'embedded.lock'))).toBe(process.pid);
    releaseFirst();
    await Promise.all([first, second]);
    expect(held).toEqual(['first in', 'first out', 'second in']);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('takes over the lock of a dead owner', async () => {
    const dir = dataDir();
    lockOf(path.join(dir, 'embedded.lock'), deadPid());
    expect(await withLock(dir, async () => lockOwner(path.join(dir, 'embedded.lock')), 5_000)).toBe(process.pid);
  });

  it('of two processes that saw the same dead owner, the later one does not remove the lock the first took meanwhile', () => {
    const lockDir = path.join(dataDir(), 'embedded.lock');
    const dead = deadPid();
    lockOf(lockDir, dead);
    // Both read `dead` as the owner; the first takes over and locks...
    takeOver(lockDir, dead);
    expect(tryLock(lockDir)).toBe(true);
    // ...then the second acts on what it read before.
    takeOver(lockDir, dead);
    expect(lockOwner(lockDir)).toBe(process.pid);
    expect(tryLock(lockDir)).toBe(false);
  });

  it('takes over even when a process died during a takeover, leaving its guard', async () => {
    const dir = dataDir();
    lockOf(path.join(dir, 'embedded.lock'), deadPid());
    lockOf(path.join(dir, 'embedded.lock.takeover'), deadPid());
    expect(await withLock(dir, async () => 'held', 5_000)).toBe('held');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('review: of two processes that saw the same dead guard holder, the later one does not remove the guard the first took meanwhile', () => {
    const dir = dataDir();
    const guard = path.join(dir, 'embedded.lock.takeover');
    const dead = deadPid();
    lockOf(guard, dead);
    // B and C both read `dead` as the guard's holder; B removes it and takes the guard...
    expect(discardIfHeldBy(guard, dead)).toBe(true);
    expect(tryLock(guard)).toBe(true);
    // ...then C acts on what it read before: B's guard stays, in place.
    expect(discardIfHeldBy(guard, dead)).toBe(false);
    expect(lockOwner(guard)).toBe(process.pid);
    expect(fs.readdirSync(dir)).toEqual(['embedded.lock.takeover']);
    expect(discardIfHeldBy(path.join(dir, 'absent'), dead)).toBe(false);
  });

  it('takes an empty lock directory (left by a version that made it before writing its pid)', async () => {
    const dir = dataDir();
    fs.mkdirSync(path.join(dir, 'embedded.lock'));
    expect(await withLock(dir, async () => 'held', 5_000)).toBe('held');
  });
});
