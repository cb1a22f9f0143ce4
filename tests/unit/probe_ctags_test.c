/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-probe's container.tags (cmd/cws-probe/ctags.c) over runtime state
 * files the test writes into a temporary root: docker's config.v2.json,
 * a containerd CRI bundle, a CRI-O bundle, and ids nothing describes.
 */
#include "compat.h"
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../cmd/cws-probe/ctags.c"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ID_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define ID_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

static char root[64];

/* Writes text to root/rel, making its directories. */
static void put(const char *rel, const char *text)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool has(const struct cws_strv *v, const char *tag)
{
	uint32_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], tag))
			return true;
	return false;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/ctags_test.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("var/lib/docker/containers/" ID_A "/config.v2.json",
	    "{\"ID\":\"" ID_A "\",\"Name\":\"/web-1\","
	    "\"Image\":\"sha256:0123abcd\","
	    "\"Config\":{\"Image\":\"registry.local:5000/team/web:1.2\","
	    "\"Env\":[\"PATH=/bin\",\"DD_SERVICE=web\",\"DD_ENV=prod\"],"
	    "\"Labels\":{\"com.datadoghq.tags.version\":\"7\","
	    "\"com.datadoghq.tags.service\":\"web\","
	    "\"com.datadoghq.ad.tags\":\"[\\\"team:sec\\\"]\","
	    "\"other\":\"x\"}}}");
	put("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID_B
	    "/config.json",
	    "{\"ociVersion\":\"1.1.0\",\"process\":{\"env\":"
	    "[\"DD_VERSION=3\"]},\"annotations\":{"
	    "\"io.kubernetes.cri.container-type\":\"container\","
	    "\"io.kubernetes.cri.container-name\":\"api\","
	    "\"io.kubernetes.cri.sandbox-name\":\"api-5d9f\","
	    "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
	    "\"io.kubernetes.cri.image-name\":"
	    "\"docker.io/library/redis@sha256:feed\"}}");
	put("run/containers/storage/overlay-containers/" ID_C
	    "/userdata/config.json",
	    "{\"annotations\":{\"io.kubernetes.pod.namespace\":\"ops\","
	    "\"io.kubernetes.cri-o.ImageName\":\"quay.io/x/y:v2\"}}");
	put("var/lib/docker/containers/" ID_E "/config.v2.json",
	    "{\"Config\":");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static void test_docker(void **state)
{
	struct cws_ctags *t = cws_ctags_new(root);
	const struct cws_strv *v;

	(void)state;
	assert_non_null(t);
	v = cws_ctags_get(t, ID_A);
	assert_true(has(v, "image_name:registry.local:5000/team/web"));
	assert_true(has(v, "short_image:web"));
	assert_true(has(v, "image_tag:1.2"));
	assert_true(has(v, "image_id:sha256:0123abcd"));
	assert_true(has(v, "docker_image:registry.local:5000/team/web:1.2"));
	assert_true(has(v, "service:web"));
	assert_true(has(v, "env:prod"));
	assert_true(has(v, "version:7"));
	assert_true(has(v, "team:sec"));
	/* Orchestrator cardinality: no container_id or container_name. */
	assert_false(has(v, "container_name:web-1"));
	assert_false(has(v, "container_id:" ID_A));
	/* service came from a label and the env: one tag. */
	assert_int_equal(v->n, 9);
	/* Read once: the same array the second time. */
	cws_ctags_next(t);
	assert_ptr_equal(cws_ctags_get(t, ID_A)->v, v->v);
	cws_ctags_free(t);
}

static void test_cri(void **state)
{
	struct cws_ctags *t = cws_ctags_new(root);
	const struct cws_strv *v;

	(void)state;
	v = cws_ctags_get(t, ID_B);
	assert_true(has(v, "kube_container_name:api"));
	assert_true(has(v, "pod_name:api-5d9f"));
	assert_true(has(v, "kube_namespace:shop"));
	assert_true(has(v, "image_name:docker.io/library/redis"));
	assert_true(has(v, "short_image:redis"));
	assert_true(has(v, "image_tag:latest"));
	assert_true(has(v, "version:3"));
	assert_false(has(v, "docker_image:docker.io/library/redis:latest"));
	v = cws_ctags_get(t, ID_C);
	assert_true(has(v, "kube_namespace:ops"));
	assert_true(has(v, "image_tag:v2"));
	assert_true(has(v, "short_image:y"));
	cws_ctags_free(t);
}

static void test_undescribed(void **state)
{
	struct cws_ctags *t = cws_ctags_new(root);

	(void)state;
	/* No state, bad state, no container, a path: no tags. */
	assert_int_equal(cws_ctags_get(t, ID_D)->n, 0);
	assert_null(cws_ctags_get(t, ID_D)->v);
	assert_int_equal(cws_ctags_get(t, ID_E)->n, 0);
	assert_int_equal(cws_ctags_get(t, "")->n, 0);
	assert_int_equal(cws_ctags_get(t, "../../../etc")->n, 0);
	assert_int_equal(cws_ctags_get(NULL, ID_A)->n, 0);
	cws_ctags_free(t);
	cws_ctags_free(NULL);
}

/* A slot asked for since the last cws_ctags_next is never taken. */
static void test_slots_stay(void **state)
{
	struct cws_ctags *t = cws_ctags_new(root);
	const struct cws_strv *a;
	char id[16];
	int i;

	(void)state;
	a = cws_ctags_get(t, ID_A);
	assert_int_equal(a->n, 9);
	cws_log_set_level(CWS_LOG_ERROR); /* the ids below are undescribed */
	for (i = 0; i < 4 * CTAGS_SLOTS; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		cws_ctags_get(t, id);
	}
	assert_int_equal(a->n, 9);
	assert_string_equal(a->v[1], "short_image:web");
	/* Once the event is written, they may go, and come back alike. */
	for (i = 0; i < 4 * CTAGS_SLOTS; i++) {
		cws_ctags_next(t);
		snprintf(id, sizeof(id), "x%d", i);
		cws_ctags_get(t, id);
	}
	a = cws_ctags_get(t, ID_A);
	assert_int_equal(a->n, 9);
	assert_string_equal(a->v[1], "short_image:web");
	cws_log_set_level(CWS_LOG_INFO);
	cws_ctags_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_cri),
		cmocka_unit_test(test_undescribed),
		cmocka_unit_test(test_slots_stay),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
