'use strict';
// Pool mode of the stand-in provider: a process started ahead of time by the harness, fully
// loaded, that terraform's provider starts are handed to. Terraform starts each provider 3-4
// times per command (schema, validate walk, plan walk, apply walk) and waits for each start;
// handing a start to a warm process takes a few ms instead of ~170 ms of node start-up.
//
// Terraform only knows the wrapper script it executed, so the wrapper must behave like the
// plugin process: print the handshake line, exit when the provider stops. The hand-over, through
// files in this process's slot dir:
//   ready     this process is loaded and can be claimed (holds our pid, checked by the wrapper)
//   claimed/  made by a wrapper with mkdir, which is atomic: one wrapper wins the slot
//   pids      "<wrapper pid> <terraform pid>", written by the wrapper
//   cert      terraform's PLUGIN_CLIENT_CERT (empty without TLS), moved into place last
//   out       a FIFO; the wrapper execs `cat out`, so the handshake line we write there reaches
//             terraform on the wrapper's stdout, and closing it ends the wrapper (= "plugin exited")
// After terraform's Shutdown the slot is cleaned and `claimed/` removed: claimable again.

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Resolves once `file` exists (inotify/FSEvents through fs.watch, plus a slow poll as backstop). */
function waitForFile(file) {
  return new Promise((resolve) => {
    let done = false;
    const check = () => {
      if (done || !fs.existsSync(file)) return;
      done = true;
      watcher.close();
      clearInterval(timer);
      resolve();
    };
    const watcher = fs.watch(path.dirname(file), check);
    const timer = setInterval(check, 250);
    check();
  });
}

/** Opens the FIFO for writing once the wrapper's `cat` has it open for reading. */
async function openFifo(fifo, wrapperPid) {
  for (let waited = 0; ; waited += 2) {
    try {
      // Non-blocking: fails with ENXIO while nobody reads, instead of blocking a libuv thread.
      return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (err) {
      if (err.code !== 'ENXIO') throw err;
      if (waited > 10_000 || !isAlive(wrapperPid)) throw new Error('the wrapper never opened the FIFO');
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

async function runPool({ slotDir, warmUp, startServer, log }) {
  const file = (name) => path.join(slotDir, name);
  fs.mkdirSync(slotDir, { recursive: true });
  if (!fs.existsSync(file('out'))) execFileSync('mkfifo', [file('out')]);
  await warmUp();

  let active = null; // { end(reason) } while serving
  let retiring = false;

  function retire() {
    if (retiring) return;
    retiring = true;
    // Take the claim ourselves so no wrapper can; if a wrapper already holds it, end its session
    // (or, if it is still waiting for us, kill it: it would wait forever).
    try {
      fs.mkdirSync(file('claimed'));
    } catch {
      if (active) active.end('retiring');
      else {
        const [wrapperPid] = readPids();
        if (isAlive(wrapperPid)) process.kill(wrapperPid, 'SIGTERM');
      }
    }
    setTimeout(() => {
      fs.rmSync(slotDir, { recursive: true, force: true });
      process.exit(0);
    }, 20);
  }

  function readPids() {
    try {
      return fs.readFileSync(file('pids'), 'utf8').trim().split(/\s+/).map(Number);
    } catch {
      return [0, 0];
    }
  }

  process.on('SIGTERM', retire);
  process.on('SIGINT', retire);
  // The harness (our parent) gone: nobody will clean up after us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) retire();
  }, 500).unref();

  // Whatever the way out, stop advertising the slot: a wrapper claiming a dead slot would hang.
  process.on('exit', () => fs.rmSync(file('ready'), { force: true }));
  fs.writeFileSync(file('ready'), `${process.pid}\n`); // newline: sh's read needs it
  for (;;) {
    await waitForFile(file('cert'));
    if (retiring) return;
    const clientCert = fs.readFileSync(file('cert'), 'utf8');
    const [wrapperPid, terraformPid] = readPids();
    let fd = null;
    let session = null;
    try {
      let endSession;
      const ended = new Promise((resolve) => (endSession = resolve));
      active = { end: endSession };
      session = await startServer(clientCert, () => endSession('shutdown'));
      fd = await openFifo(file('out'), wrapperPid);
      fs.writeSync(fd, session.line + '\n');
      // Terraform killed (e.g. by a test timeout) never sends Shutdown: notice and recover.
      const watch = setInterval(() => {
        if (!isAlive(terraformPid) || !isAlive(wrapperPid)) endSession('terraform or wrapper gone');
      }, 500);
      const reason = await ended;
      clearInterval(watch);
      if (reason !== 'shutdown') log(`session ended: ${reason}`);
    } catch (err) {
      log(`session failed: ${err && err.stack ? err.stack : err}`);
      if (isAlive(wrapperPid)) process.kill(wrapperPid, 'SIGTERM');
    } finally {
      active = null;
      if (session) session.stop();
      if (fd !== null) fs.closeSync(fd); // EOF for the wrapper's cat: terraform sees the exit
    }
    if (retiring) return;
    fs.rmSync(file('cert'), { force: true });
    fs.rmSync(file('pids'), { force: true });
    fs.rmSync(file('claimed'), { recursive: true, force: true }); // claimable again
  }
}

module.exports = { runPool };
