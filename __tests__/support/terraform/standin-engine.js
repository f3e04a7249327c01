'use strict';
// A real Docker engine behind the stand-in kreuzwerker/docker provider (host tier only).
//
// When the engine file (DOCKHOST_STANDIN_ENGINE) names a `docker` command, e.g. the docker CLI
// of a test host entered with nsenter, the stand-in keeps what identifies a container and an
// image on that engine, as kreuzwerker 3.6.2 does (internal/provider/..._funcs.go):
//   - docker_container create: ContainerCreate with the configured name, then ContainerStart;
//     a failure is "Unable to create container: <daemon error>" (resourceDockerContainerCreate);
//   - docker_container read: fetchDockerContainer lists every container and matches the state's
//     id; none matches → d.SetId("") → the resource leaves state (resourceDockerContainerRead);
//   - docker_container delete: ContainerRemove, forced;
//   - docker_image read: searchLocalImages by the configured name; image_id = that image's id,
//     none → d.SetId("") (resourceDockerImageRead). Create does not pull: the image must be there.
// Only the name, image, environment, labels and restart policy reach the engine; networks,
// mounts, limits and uploads stay modelled (the tests using this check identity, not those).

const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

/** The command that runs `docker` on the real engine, or undefined (the modelled engine only). */
function dockerCommand() {
  const file = process.env.DOCKHOST_STANDIN_ENGINE;
  if (!file || !fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')).docker;
}

function docker(command, args) {
  const r = spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: (r.stdout || '').trim(), stderr: (r.stderr || '').trim() };
}

/** Every container id on the engine, running or not (ContainerList with All: true). */
function containerExists(command, id) {
  const listed = docker(command, ['ps', '-a', '--no-trunc', '-q']);
  if (listed.code !== 0) throw new Error(`error fetching container information from Docker: ${listed.stderr}`);
  return listed.stdout.split('\n').includes(id);
}

/** Creates and starts the container (its planned state, unknowns resolved); returns its id. */
function createContainer(command, planned) {
  const args = ['create', '--name', planned.name];
  for (const env of planned.env || []) args.push('--env', env);
  for (const label of planned.labels || []) args.push('--label', `${label.label}=${label.value}`);
  if (planned.restart) args.push('--restart', planned.restart);
  args.push(planned.image);
  const created = docker(command, args);
  if (created.code !== 0) throw new Error(`Unable to create container: ${created.stderr}`);
  const started = docker(command, ['start', created.stdout]);
  if (started.code !== 0) throw new Error(`Unable to start container: ${started.stderr}`);
  return created.stdout;
}

function removeContainer(command, id) {
  const removed = docker(command, ['rm', '-f', id]);
  if (removed.code !== 0 && !/No such container/.test(removed.stderr)) throw new Error(`Error deleting container ${id}: ${removed.stderr}`);
}

/** The id of the local image `name`, or undefined. */
function imageId(command, name) {
  const found = docker(command, ['image', 'inspect', '-f', '{{.Id}}', name]);
  return found.code === 0 ? found.stdout : undefined;
}

/** ReadResource on the real engine: the state as read, or null when the object is gone; undefined when not engine-backed. */
function read(typeName, current) {
  const command = dockerCommand();
  if (!command || current === null) return undefined;
  if (typeName === 'docker_container') return containerExists(command, current.id) ? current : null;
  if (typeName === 'docker_image') {
    const id = imageId(command, current.name);
    return id ? { ...current, id: `${id}${current.name}`, image_id: id } : null;
  }
  return undefined;
}

/** ApplyResourceChange on the real engine: the new state, or undefined when not engine-backed. */
function apply(typeName, prior, planned, modelled) {
  const command = dockerCommand();
  if (!command) return undefined;
  if (typeName === 'docker_container') {
    if (planned === null) {
      if (prior) removeContainer(command, prior.id);
      return null;
    }
    if (prior === null) {
      const state = modelled();
      return { ...state, id: createContainer(command, state) };
    }
    return undefined;
  }
  if (typeName === 'docker_image' && planned !== null) {
    const id = imageId(command, planned.name);
    if (!id) throw new Error(`Unable to read Docker image into resource: ${planned.name} is not on the engine`);
    return { ...modelled(), id: `${id}${planned.name}`, image_id: id };
  }
  return undefined;
}

module.exports = { read, apply };
