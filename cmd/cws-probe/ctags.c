/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * container.tags without a Datadog agent: the tags Datadog's tagger gives
 * a container, as far as the container runtime's own state on disk tells
 * them, read once per container id and kept.
 *
 * Datadog's security agent asks its tagger for a container's tags at the
 * orchestrator cardinality (resolvers/tags: GetTagsOfContainer), which
 * leaves out the high cardinality container_id and container_name. What
 * the tagger's container collector gives at that cardinality and the
 * runtime's state holds:
 *
 *   image_name, short_image, image_tag (latest when the reference has
 *   none), image_id (docker only), docker_image (docker only);
 *   env, service, version from the DD_ENV, DD_SERVICE and DD_VERSION
 *   variables of the container's environment and from the
 *   com.datadoghq.tags.{env,service,version} labels, and the tags listed
 *   in the com.datadoghq.ad.tags label (a JSON array of strings);
 *   kube_namespace, pod_name and kube_container_name from the CRI
 *   annotations of a Kubernetes container.
 *
 * Tags that need the agent's configuration (labels and variables mapped
 * to tags) or the kubelet (pod labels, owners) are not there.
 *
 * Where the state is read:
 *   docker     /var/lib/docker/containers/ID/config.v2.json
 *   containerd /run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json
 *   CRI-O      /run/containers/storage/overlay-containers/ID/userdata/config.json
 *   podman     /var/lib/containers/storage/overlay-containers/ID/userdata/config.json
 * each under the root in CWS_PROBE_STATE_ROOT (for tests; "" by default).
 * A container none of them describes has no tags, and the probe says so
 * once for that id.
 *
 * The cache is set associative by id (CTAGS_WAYS slots an id may take):
 * a container whose slot was taken by another is read again, which gives
 * the same tags while its state is the same, so a process context keeps
 * its bytes (cache.c's keys). A slot used since the last cws_ctags_next
 * is not taken: the tags of one event's process and ancestors stay put
 * until the event is written.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"

#define CTAGS_SLOTS 1024 /* containers kept, power of two */
#define CTAGS_WAYS 8 /* slots an id may take */
#define CTAGS_MAX 64 /* tags per container */
#define CTAGS_TAG_MAX 512 /* bytes of one tag */
#define CTAGS_FILE_MAX (8u << 20) /* bytes of one state file */
#define CTAGS_ID_LEN 64

struct ctag_slot {
	char id[CTAGS_ID_LEN + 1]; /* "" when free */
	uint64_t used; /* the epoch it was last asked for in */
	struct cws_strv tags;
	const char *v[CTAGS_MAX];
};

struct cws_ctags {
	char root[256];
	struct ctag_slot *slot;
	uint64_t epoch;
};

static const struct cws_strv no_tags;

struct cws_ctags *cws_ctags_new(const char *root)
{
	struct cws_ctags *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (!root)
		root = getenv("CWS_PROBE_STATE_ROOT");
	if (root && strlen(root) >= sizeof(t->root)) {
		cws_warnx("CWS_PROBE_STATE_ROOT is longer than %zu bytes: "
			  "'/' is used",
			  sizeof(t->root) - 1);
		root = NULL;
	}
	snprintf(t->root, sizeof(t->root), "%s", root ? root : "");
	t->epoch = 1;
	t->slot = calloc(CTAGS_SLOTS, sizeof(*t->slot));
	if (!t->slot) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

static void slot_clear(struct ctag_slot *s)
{
	uint32_t i;

	for (i = 0; i < s->tags.n; i++)
		free((char *)s->v[i]);
	s->tags.n = 0;
	s->tags.v = NULL;
	s->id[0] = '\0';
}

void cws_ctags_free(struct cws_ctags *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 0; t->slot && i < CTAGS_SLOTS; i++)
		slot_clear(&t->slot[i]);
	free(t->slot);
	free(t);
}

/*
 * Adds "key:value", once; nothing when value is NULL or empty. A NULL key
 * adds value as it is (a tag of com.datadoghq.ad.tags).
 */
static void add(struct ctag_slot *s, const char *key, const char *value)
{
	char buf[CTAGS_TAG_MAX];
	uint32_t i;
	int n;

	if (!value || !*value)
		return;
	if (key)
		n = snprintf(buf, sizeof(buf), "%s:%s", key, value);
	else
		n = snprintf(buf, sizeof(buf), "%s", value);
	if (n <= 0 || (size_t)n >= sizeof(buf) || s->tags.n == CTAGS_MAX)
		return;
	for (i = 0; i < s->tags.n; i++)
		if (!strcmp(s->v[i], buf))
			return;
	s->v[s->tags.n] = strdup(buf);
	if (s->v[s->tags.n])
		s->tags.n++;
}

/*
 * An image reference's tags, split as the tagger splits it: the name
 * (registry and path, no tag or digest), its last component, the tag
 * (latest when there is none).
 */
static void add_image(struct ctag_slot *s, const char *ref, bool docker)
{
	char name[CTAGS_TAG_MAX], *at, *slash, *colon;
	const char *tag = "latest", *shortname;

	if (!ref || !*ref || !strncmp(ref, "sha256:", 7) ||
	    strlen(ref) >= sizeof(name))
		return;
	snprintf(name, sizeof(name), "%s", ref);
	at = strchr(name, '@');
	if (at)
		*at = '\0';
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (colon[1])
			tag = colon + 1;
	}
	if (!name[0])
		return;
	shortname = slash ? slash + 1 : name;
	add(s, "image_name", name);
	add(s, "short_image", shortname);
	add(s, "image_tag", tag);
	if (docker) {
		char both[2 * CTAGS_TAG_MAX + 2];

		snprintf(both, sizeof(both), "%s:%s", name, tag);
		add(s, "docker_image", both);
	}
}

/* DD_ENV, DD_SERVICE, DD_VERSION of an environment ("NAME=value"). */
static void add_env(struct ctag_slot *s, const json_t *env)
{
	static const char *const keys[][2] = { { "DD_ENV=", "env" },
					       { "DD_SERVICE=", "service" },
					       { "DD_VERSION=", "version" } };
	const json_t *e;
	size_t i, k;

	json_array_foreach(env, i, e) {
		const char *v = json_string_value(e);

		for (k = 0; v && k < CWS_ARRAY_SIZE(keys); k++)
			if (!strncmp(v, keys[k][0], strlen(keys[k][0])))
				add(s, keys[k][1], v + strlen(keys[k][0]));
	}
}

/* The Unified Service Tagging labels and com.datadoghq.ad.tags. */
static void add_labels(struct ctag_slot *s, const json_t *labels)
{
	static const char *const keys[][2] = {
		{ "com.datadoghq.tags.env", "env" },
		{ "com.datadoghq.tags.service", "service" },
		{ "com.datadoghq.tags.version", "version" }
	};
	const char *list;
	json_t *a, *e;
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(keys); i++)
		add(s, keys[i][1],
		    json_string_value(json_object_get(labels, keys[i][0])));
	list = json_string_value(
		json_object_get(labels, "com.datadoghq.ad.tags"));
	if (!list)
		return;
	a = json_loads(list, JSON_REJECT_DUPLICATES, NULL);
	json_array_foreach(a, i, e) {
		add(s, NULL, json_string_value(e));
	}
	json_decref(a);
}

/* A state file as JSON, or NULL (absent, too large, not JSON). */
static json_t *load(const char *path, bool *exists)
{
	json_error_t jerr;
	struct stat st;
	json_t *j;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	*exists = true;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > CTAGS_FILE_MAX) {
		cws_warnx("cannot read container state '%s': "
			  "expected a regular file of at most %u bytes",
			  path, CTAGS_FILE_MAX);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	j = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!j || !json_is_object(j)) {
		cws_warnx("cannot read container state '%s': line %d: "
			  "expected a JSON object%s%s",
			  path, jerr.line, j ? "" : ": ", j ? "" : jerr.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Docker's config.v2.json: Config.{Image,Labels,Env}, Image (the id). */
static void docker_tags(struct ctag_slot *s, const json_t *j)
{
	const json_t *cfg = json_object_get(j, "Config");

	add_image(s, json_string_value(json_object_get(cfg, "Image")), true);
	add(s, "image_id", json_string_value(json_object_get(j, "Image")));
	add_labels(s, json_object_get(cfg, "Labels"));
	add_env(s, json_object_get(cfg, "Env"));
}

static bool from_docker(struct cws_ctags *t, struct ctag_slot *s, bool *exists)
{
	char path[512];
	json_t *j;

	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/%s/%s",
		 t->root, s->id, "config.v2.json");
	j = load(path, exists);
	if (!j)
		return false;
	docker_tags(s, j);
	json_decref(j);
	return true;
}

/* An OCI runtime bundle's config.json: annotations, process.env. */
static void oci_tags(struct ctag_slot *s, const json_t *j)
{
	static const char *const image[] = { "io.kubernetes.cri.image-name",
					     "io.kubernetes.cri-o.ImageName" };
	static const char *const kube[][3] = {
		{ "io.kubernetes.cri.sandbox-namespace",
		  "io.kubernetes.pod.namespace", "kube_namespace" },
		{ "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name",
		  "pod_name" },
		{ "io.kubernetes.cri.container-name",
		  "io.kubernetes.container.name", "kube_container_name" },
	};
	const json_t *ann = json_object_get(j, "annotations");
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(image); i++)
		add_image(s, json_string_value(json_object_get(ann, image[i])),
			  false);
	for (i = 0; i < CWS_ARRAY_SIZE(kube); i++) {
		const char *v =
			json_string_value(json_object_get(ann, kube[i][0]));

		if (!v)
			v = json_string_value(json_object_get(ann, kube[i][1]));
		add(s, kube[i][2], v);
	}
	add_env(s, json_object_get(json_object_get(j, "process"), "env"));
}

static bool from_oci(struct ctag_slot *s, const char *path, bool *exists)
{
	json_t *j = load(path, exists);

	if (!j)
		return false;
	oci_tags(s, j);
	json_decref(j);
	return true;
}

/* containerd's task bundles, one directory per namespace. */
static bool from_containerd(struct cws_ctags *t, struct ctag_slot *s,
			    bool *exists)
{
	char dir[384], path[1024];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/run/containerd/%s", t->root,
		 "io.containerd.runtime.v2.task");
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir,
			 de->d_name, s->id);
		found = from_oci(s, path, exists);
	}
	closedir(d);
	return found;
}

static bool describe(struct cws_ctags *t, struct ctag_slot *s, bool *exists)
{
	static const char *const storage[] = { "/run/containers/storage",
					       "/var/lib/containers/storage" };
	char path[512];
	size_t i;

	if (from_docker(t, s, exists) || from_containerd(t, s, exists))
		return true;
	for (i = 0; i < CWS_ARRAY_SIZE(storage); i++) {
		snprintf(path, sizeof(path),
			 "%s%s/overlay-containers/%s/userdata/config.json",
			 t->root, storage[i], s->id);
		if (from_oci(s, path, exists))
			return true;
	}
	return false;
}

static uint32_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;

	while (*id)
		h = (h ^ (unsigned char)*id++) * 16777619u;
	return h & (CTAGS_SLOTS - 1);
}

void cws_ctags_next(struct cws_ctags *t)
{
	if (t)
		t->epoch++;
}

const struct cws_strv *cws_ctags_get(struct cws_ctags *t, const char *id)
{
	struct ctag_slot *s = NULL, *w;
	bool exists = false;
	uint32_t h, i;

	if (!t || !id || !*id || strlen(id) > CTAGS_ID_LEN || strchr(id, '/') ||
	    id[0] == '.')
		return &no_tags;
	h = id_hash(id);
	for (i = 0; i < CTAGS_WAYS; i++) {
		w = &t->slot[(h + i) & (CTAGS_SLOTS - 1)];
		if (!strcmp(w->id, id)) {
			w->used = t->epoch;
			return &w->tags;
		}
		if (w->used != t->epoch && (!s || w->used < s->used))
			s = w;
	}
	if (!s)
		return &no_tags; /* every way holds this event's tags */
	slot_clear(s);
	s->used = t->epoch;
	snprintf(s->id, sizeof(s->id), "%s", id);
	if (!describe(t, s, &exists) && !exists)
		cws_warnx("no runtime state describes container '%s': "
			  "container.tags left out",
			  id);
	s->tags.v = s->tags.n ? s->v : NULL;
	return &s->tags;
}
