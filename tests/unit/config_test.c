/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/config: defaults, the four sources and their order,
 * the type of every kind of value, and the messages of bad input. Most
 * tests feed YAML through cws_config_load_buffer and variables through
 * cws_config_load_env with their own envp, so that they do not depend on
 * the environment of the test run; the file tests use a scratch file.
 */
#include "compat.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define NET_ENABLED "runtime_security_config.network.enabled"
#define NET_PRIO "runtime_security_config.network.classifier_priority"
#define PID_CACHE "runtime_security_config.pid_cache_size"
#define RETENTION "runtime_security_config.event_server.retention"
#define BATCH_WAIT "runtime_security_config.endpoints.batch_wait"
#define ENVS "runtime_security_config.envs_with_value"
#define ADDITIONAL "runtime_security_config.endpoints.additional_endpoints"

static int setup(void **state)
{
	struct cws_config *cfg = cws_config_new();

	if (!cfg)
		return -1;
	*state = cfg;
	return 0;
}

static int teardown(void **state)
{
	cws_config_free(*state);
	return 0;
}

static int load(struct cws_config *cfg, const char *yaml,
		struct cws_config_err *err)
{
	return cws_config_load_buffer(cfg, "cws.yaml", yaml, strlen(yaml), err);
}

/* Test vectors are literals; the API takes environ's type. */
static int load_env(struct cws_config *cfg, const char *const *envp,
		    struct cws_config_err *err)
{
	return cws_config_load_env(cfg, (char *const *)envp, err);
}

static const char *format(const struct cws_config_err *err)
{
	static char buf[1024];

	return cws_config_err_format(err, buf, sizeof(buf));
}

static bool ends_with_default_policies_dir(const struct cws_config *cfg)
{
	const char *dir = cws_config_get_string(
		cfg, "runtime_security_config.policies.dir");
	const char *suffix = "/cws/runtime-security.d";

	return strlen(dir) > strlen(suffix) &&
	       !strcmp(dir + strlen(dir) - strlen(suffix), suffix);
}

static void test_defaults(void **state)
{
	struct cws_config *cfg = *state;
	const char *const *list;
	size_t n;

	assert_string_equal(cws_config_get_string(cfg, "site"),
			    "datadoghq.com");
	assert_string_equal(cws_config_get_string(cfg, "api_key"), "");
	assert_string_equal(cws_config_get_string(cfg, "log_level"), "info");
	assert_string_equal(cws_config_get_string(cfg, "run_path"), "/run/cws");
	assert_true(
		cws_config_get_bool(cfg, "runtime_security_config.enabled"));
	assert_true(cws_config_get_bool(cfg, NET_ENABLED));
	assert_true(cws_config_get_bool(
		cfg, "runtime_security_config.self_test.enabled"));
	assert_true(cws_config_get_bool(
		cfg, "runtime_security_config.use_secruntime_track"));
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 10);
	assert_int_equal(
		cws_config_get_int(
			cfg,
			"runtime_security_config.network.classifier_handle"),
		0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 10000);
	assert_int_equal(
		cws_config_get_int(
			cfg,
			"runtime_security_config.endpoints.batch_max_size"),
		1000);
	assert_int_equal(cws_config_get_duration_ns(cfg, BATCH_WAIT),
			 5000000000LL);
	assert_string_equal(cws_config_get_string(cfg, BATCH_WAIT), "5s");
	assert_int_equal(cws_config_get_duration_ns(cfg, RETENTION),
			 6000000000LL);
	assert_true(
		cws_config_get_float(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_factor") ==
		2.0);
	assert_true(
		cws_config_get_float(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_max") ==
		120.0);
	assert_true(ends_with_default_policies_dir(cfg));
	list = cws_config_get_list(cfg, ENVS, &n);
	assert_int_equal(n, 6);
	assert_string_equal(list[0], "LD_PRELOAD");
	assert_string_equal(list[5], "GLIBC_TUNABLES");
	assert_null(list[6]);
	list = cws_config_get_list(cfg, "tags", &n);
	assert_int_equal(n, 0);
	assert_null(list[0]);
	assert_int_equal(cws_config_source(cfg, "site"),
			 CWS_CONFIG_SRC_DEFAULT);
	assert_string_equal(cws_config_get_string(cfg, ADDITIONAL), "");
}

static void test_table(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_item it, other;
	size_t pos = 0, count = 0, pos2;

	while (cws_config_next(cfg, &pos, &it)) {
		count++;
		assert_non_null(it.key);
		assert_non_null(it.value);
		assert_non_null(it.def);
		assert_string_equal(it.value, it.def);
		assert_int_equal(it.source, CWS_CONFIG_SRC_DEFAULT);
		assert_null(it.file);
		assert_null(it.env);
		assert_int_equal(cws_config_lookup(cfg, it.key, &other), 0);
		assert_string_equal(other.key, it.key);
		/* Keys are unique, lower case, and fit an env name. */
		pos2 = pos;
		while (cws_config_next(cfg, &pos2, &other))
			assert_string_not_equal(other.key, it.key);
		for (const char *p = it.key; *p; p++)
			assert_false(*p >= 'A' && *p <= 'Z');
	}
	assert_true(count > 80);
	assert_int_equal(cws_config_lookup(cfg, "no.such.key", &it), -ENOENT);
}

static void test_file_overrides_default(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	struct cws_config_item it;

	assert_int_equal(load(cfg,
			      "site: datadoghq.eu\n"
			      "runtime_security_config:\n"
			      "  network:\n"
			      "    classifier_priority: 3\n",
			      &err),
			 0);
	assert_string_equal(cws_config_get_string(cfg, "site"), "datadoghq.eu");
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 3);
	assert_int_equal(cws_config_lookup(cfg, NET_PRIO, &it), 0);
	assert_int_equal(it.source, CWS_CONFIG_SRC_FILE);
	assert_string_equal(it.file, "cws.yaml");
	assert_int_equal(it.line, 4);
	assert_int_equal(it.col, 26);
	assert_string_equal(it.value, "3");
	assert_string_equal(it.def, "10");
	assert_int_equal(cws_config_lookup(cfg, "site", &it), 0);
	assert_int_equal(it.line, 1);
	assert_int_equal(it.col, 7);
	/* Untouched keys keep their default and its source. */
	assert_int_equal(cws_config_source(cfg, NET_ENABLED),
			 CWS_CONFIG_SRC_DEFAULT);
	assert_int_equal(cws_config_warning_count(cfg), 0);
}

static void test_env_overrides_file(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	struct cws_config_item it;
	const char *envp[] = {
		"PATH=/bin",
		"DD_SITE=us3.datadoghq.com",
		"DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED=false",
		"DD_RUNTIME_SECURITY_CONFIG_PID_CACHE_SIZE=500",
		"DD_HOSTNAME=",
		NULL,
	};

	assert_int_equal(load(cfg,
			      "site: datadoghq.eu\n"
			      "hostname: box\n"
			      "runtime_security_config:\n"
			      "  pid_cache_size: 20\n"
			      "  network: {enabled: true}\n",
			      &err),
			 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 20);
	assert_int_equal(load_env(cfg, envp, &err), 0);
	assert_string_equal(cws_config_get_string(cfg, "site"),
			    "us3.datadoghq.com");
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 500);
	assert_int_equal(cws_config_source(cfg, "site"), CWS_CONFIG_SRC_ENV);
	assert_int_equal(cws_config_source(cfg, NET_ENABLED),
			 CWS_CONFIG_SRC_ENV);
	assert_int_equal(cws_config_lookup(cfg, NET_ENABLED, &it), 0);
	assert_string_equal(it.env,
			    "DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED");
	assert_null(it.file);
	assert_string_equal(it.value, "false");
	/* An empty variable is an unset one, as with viper. */
	assert_string_equal(cws_config_get_string(cfg, "hostname"), "box");
	assert_int_equal(cws_config_source(cfg, "hostname"),
			 CWS_CONFIG_SRC_FILE);
}

static void test_env_evmon_alias(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	struct cws_config_item it;
	const char *envp[] = {
		"DD_RUNTIME_SECURITY_CONFIG_NETWORK_CLASSIFIER_PRIORITY=7",
		"DD_EVENT_MONITORING_CONFIG_NETWORK_CLASSIFIER_PRIORITY=2",
		"DD_EVENT_MONITORING_CONFIG_NETWORK_ENABLED=false",
		/* Empty counts as unset: the other spelling applies. */
		"DD_EVENT_MONITORING_CONFIG_NETWORK_INGRESS_ENABLED=",
		"DD_RUNTIME_SECURITY_CONFIG_NETWORK_INGRESS_ENABLED=true",
		/* Not an event monitor key: no alias. */
		"DD_EVENT_MONITORING_CONFIG_SELF_TEST_ENABLED=false",
		NULL,
	};

	assert_int_equal(load_env(cfg, envp, &err), 0);
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 2);
	assert_int_equal(cws_config_lookup(cfg, NET_PRIO, &it), 0);
	assert_string_equal(
		it.env,
		"DD_EVENT_MONITORING_CONFIG_NETWORK_CLASSIFIER_PRIORITY");
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	assert_true(cws_config_get_bool(
		cfg, "runtime_security_config.network.ingress.enabled"));
	assert_true(cws_config_get_bool(
		cfg, "runtime_security_config.self_test.enabled"));
	assert_true(it.flags & CWS_CONFIG_F_EVMON);
}

static void test_file_evmon_alias(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;

	assert_int_equal(load(cfg,
			      "event_monitoring_config:\n"
			      "  network:\n"
			      "    enabled: false\n"
			      "    classifier_priority: 4\n"
			      "runtime_security_config:\n"
			      "  network:\n"
			      "    classifier_priority: 5\n",
			      &err),
			 0);
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 5);

	/* runtime_security_config wins in either order, as in Datadog. */
	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  network:\n"
			      "    classifier_priority: 6\n"
			      "event_monitoring_config:\n"
			      "  network:\n"
			      "    classifier_priority: 4\n",
			      &err),
			 0);
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 6);
	assert_int_equal(cws_config_warning_count(cfg), 0);

	/* Keys without the alias are unknown under that name. */
	assert_int_equal(load(cfg,
			      "event_monitoring_config:\n"
			      "  self_test:\n"
			      "    enabled: false\n",
			      &err),
			 0);
	assert_int_equal(cws_config_warning_count(cfg), 1);
	assert_true(cws_config_get_bool(
		cfg, "runtime_security_config.self_test.enabled"));
}

static void test_runtime_overrides_env(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	const char *envp[] = { "DD_RUNTIME_SECURITY_CONFIG_PID_CACHE_SIZE=500",
			       "DD_LOG_LEVEL=debug", NULL };

	assert_int_equal(load_env(cfg, envp, &err), 0);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "42", &err), 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 42);
	assert_int_equal(cws_config_source(cfg, PID_CACHE),
			 CWS_CONFIG_SRC_RUNTIME);
	/* Precedence holds whatever the order of the calls. */
	assert_int_equal(load_env(cfg, envp, &err), 0);
	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  pid_cache_size: 7\n",
			      &err),
			 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 42);
	assert_string_equal(cws_config_get_string(cfg, "log_level"), "debug");

	assert_int_equal(cws_config_set(cfg, "no.such.key", "1", &err),
			 -ENOENT);
	assert_string_equal(err.msg, "unknown key 'no.such.key'");
	assert_int_equal(cws_config_set(cfg, NET_ENABLED, "maybe", &err),
			 -EINVAL);
	assert_string_equal(
		format(&err),
		"runtime_security_config.network.enabled: expected a boolean, got 'maybe'");
	assert_int_equal(cws_config_set(cfg, NET_ENABLED, "off", NULL), 0);
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
}

static void test_file_wrong_type(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;

	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  network:\n"
			      "    enabled: maybe\n",
			      &err),
			 -EINVAL);
	assert_string_equal(err.file, "cws.yaml");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 14);
	assert_string_equal(
		format(&err),
		"cws.yaml:3:14: runtime_security_config.network.enabled: expected a boolean, got 'maybe'");

	/* A map where a scalar belongs. */
	assert_int_equal(load(cfg, "site:\n  name: x\n", &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 3);
	assert_string_equal(err.msg, "site: expected a string, got a map");

	/* A scalar where a map belongs. */
	assert_int_equal(load(cfg, "runtime_security_config: yes\n", &err),
			 -EINVAL);
	assert_string_equal(
		err.msg, "runtime_security_config: expected a map, got 'yes'");

	/* A list of maps where a list of strings belongs. */
	assert_int_equal(load(cfg, "tags:\n  - a\n  - {b: c}\n", &err),
			 -EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 5);
	assert_string_equal(
		err.msg,
		"tags: expected a list of strings, got a map in the list");

	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  pid_cache_size: lots\n",
			      &err),
			 -EINVAL);
	assert_string_equal(
		err.msg,
		"runtime_security_config.pid_cache_size: expected an integer, got 'lots'");

	assert_int_equal(load(cfg, "log_level: loud\n", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "log_level: expected a log level"));
	assert_int_equal(load(cfg, "log_level: WARN\n", &err), 0);

	assert_int_equal(load(cfg, "- a\n- b\n", &err), -EINVAL);
	assert_int_equal(err.line, 1);

	assert_int_equal(load(cfg, "site: a\nsite: b\n", &err), -EINVAL);
	assert_string_equal(
		format(&err),
		"cws.yaml:2:1: duplicate key 'site' (first at line 1)");
}

static void test_env_wrong_type(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	const char *bool_env[] = {
		"DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED=maybe", NULL
	};
	const char *int_env[] = {
		"DD_RUNTIME_SECURITY_CONFIG_PID_CACHE_SIZE=12abc", NULL
	};
	const char *dur_env[] = {
		"DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=soon", NULL
	};

	assert_int_equal(load_env(cfg, bool_env, &err), -EINVAL);
	assert_int_equal(err.line, 0);
	assert_string_equal(
		format(&err),
		"environment DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED: expected a boolean, got 'maybe'");
	assert_int_equal(load_env(cfg, int_env, &err), -EINVAL);
	assert_string_equal(
		err.msg,
		"environment DD_RUNTIME_SECURITY_CONFIG_PID_CACHE_SIZE: expected an integer, got '12abc'");
	assert_int_equal(load_env(cfg, dur_env, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "expected a duration, got 'soon'"));
	/* The failed values did not land. */
	assert_true(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 10000);
}

static void test_unknown_key(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	char buf[4096];
	size_t i, len = 0;

	assert_int_equal(load(cfg,
			      "foo: 1\n"
			      "runtime_security_config:\n"
			      "  bogus: true\n"
			      "  network:\n"
			      "    enabled: false\n"
			      "apm_config:\n"
			      "  enabled: true\n"
			      "  env: x\n",
			      &err),
			 0);
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(cws_config_warning_count(cfg), 4);
	assert_string_equal(cws_config_warning(cfg, 0),
			    "cws.yaml:1:1: unknown key 'foo'");
	assert_string_equal(
		cws_config_warning(cfg, 1),
		"cws.yaml:3:3: unknown key 'runtime_security_config.bogus'");
	assert_string_equal(cws_config_warning(cfg, 2),
			    "cws.yaml:7:3: unknown key 'apm_config.enabled'");
	assert_null(cws_config_warning(cfg, 4));
	/* Each key is reported once. */
	assert_int_equal(load(cfg, "foo: 2\n", &err), 0);
	assert_int_equal(cws_config_warning_count(cfg), 4);

	/* And only so many are kept. */
	for (i = 0; i < 2 * CWS_CONFIG_MAX_WARNINGS; i++)
		len += snprintf(buf + len, sizeof(buf) - len, "k%zu: 1\n", i);
	assert_int_equal(load(cfg, buf, &err), 0);
	assert_int_equal(cws_config_warning_count(cfg),
			 CWS_CONFIG_MAX_WARNINGS);
}

static void test_yaml_syntax_error(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;

	assert_int_equal(load(cfg, "site: a\n  bad: b\n", &err), -EINVAL);
	assert_string_equal(err.file, "cws.yaml");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 6);
	assert_string_equal(
		err.msg,
		"invalid YAML: mapping values are not allowed in this context");

	assert_int_equal(load(cfg, "site: [a, b\n", &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_true(strstr(err.msg, "invalid YAML: ") == err.msg);

	/* The reader's errors carry an offset, turned into a position. */
	assert_int_equal(load(cfg, "site: a\nhostname: \xff\n", &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 11);

	assert_int_equal(load(cfg, "site: *nowhere\n", &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_true(strstr(err.msg, "invalid YAML: ") == err.msg);
}

static void test_limits(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	char deep[200], *big;
	size_t i;

	for (i = 0; i < 40; i++)
		deep[i] = '[';
	deep[i] = '\0';
	assert_int_equal(load(cfg, deep, &err), -EINVAL);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, CWS_CONFIG_MAX_DEPTH + 1);
	assert_non_null(strstr(err.msg, "nested deeper than"));

	big = malloc(CWS_CONFIG_MAX_FILE + 2);
	assert_non_null(big);
	memset(big, '#', CWS_CONFIG_MAX_FILE + 1);
	big[CWS_CONFIG_MAX_FILE + 1] = '\0';
	assert_int_equal(cws_config_load_buffer(cfg, "big.yaml", big,
						CWS_CONFIG_MAX_FILE + 1, &err),
			 -EFBIG);
	/* The cap is inclusive: a comment of exactly the cap loads. */
	assert_int_equal(cws_config_load_buffer(cfg, "big.yaml", big,
						CWS_CONFIG_MAX_FILE, &err),
			 0);
	free(big);

	/* Aliases that expand exponentially are cut off, not followed. */
	assert_int_equal(
		load(cfg,
		     "a: &a [x, x, x, x, x, x, x, x]\n"
		     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
		     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
		     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
		     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\n"
		     "f: &f [*e, *e, *e, *e, *e, *e, *e, *e]\n"
		     "runtime_security_config:\n"
		     "  endpoints:\n"
		     "    additional_endpoints: [*f, *f, *f, *f, *f, *f]\n",
		     &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "alias expansion"));

	/* An alias to its own ancestor is a loop, caught by the depth cap. */
	assert_int_equal(load(cfg, "foo: &x\n  bar: *x\n", &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "alias loop"));

	assert_int_equal(load(cfg, "site: \"a\\0b\"\n", &err), -EINVAL);
	assert_string_equal(err.msg, "site: value contains a NUL byte");
}

static void test_files(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	struct cws_config_item it;
	char path[] = "/tmp/cws-config-test-XXXXXX";
	const char *yaml = "hostname: from-file\nsite: datadoghq.eu\n";
	int fd;

	assert_true(strlen(CWS_CONFIG_DEFAULT_PATH) > strlen("/cws/cws.yaml"));
	assert_string_equal(CWS_CONFIG_DEFAULT_PATH +
				    strlen(CWS_CONFIG_DEFAULT_PATH) -
				    strlen("/cws/cws.yaml"),
			    "/cws/cws.yaml");

	assert_int_equal(cws_config_load_file(cfg, "/nonexistent/cws.yaml", 0,
					      &err),
			 -ENOENT);
	assert_string_equal(err.file, "/nonexistent/cws.yaml");
	assert_string_equal(
		format(&err),
		"cannot open config file '/nonexistent/cws.yaml': No such file or directory");
	assert_int_equal(cws_config_load(cfg, "/nonexistent/cws.yaml", &err),
			 -ENOENT);
	/* The default file may be missing: how NULL is handled. */
	assert_int_equal(cws_config_load_file(cfg, "/nonexistent/cws.yaml",
					      CWS_CONFIG_OPTIONAL, &err),
			 0);
	assert_int_equal(cws_config_load_file(cfg, "/", 0, &err), -EISDIR);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	assert_int_equal(setenv("DD_SITE", "datadoghq.com", 1), 0);
	assert_int_equal(cws_config_load(cfg, path, &err), 0);
	unsetenv("DD_SITE");
	assert_string_equal(cws_config_get_string(cfg, "hostname"),
			    "from-file");
	assert_int_equal(cws_config_lookup(cfg, "hostname", &it), 0);
	assert_string_equal(it.file, path);
	assert_int_equal(it.line, 1);
	assert_int_equal(cws_config_source(cfg, "site"), CWS_CONFIG_SRC_ENV);

	/* An empty file is a valid configuration. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cws_config_load_file(cfg, path, 0, &err), 0);
	unlink(path);
}

static void test_lists(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	const char *const *l;
	const char *envp[] = { "DD_TAGS=  x:1 y:2\tz  ", NULL };
	size_t n;

	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  envs_with_value:\n"
			      "    - A\n"
			      "    - B C\n"
			      "proxy:\n"
			      "  no_proxy: [localhost, 10.0.0.0/8]\n"
			      "extra_tags: team:a env:b\n"
			      "tags: []\n",
			      &err),
			 0);
	l = cws_config_get_list(cfg, ENVS, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "A");
	assert_string_equal(l[1], "B C");
	assert_null(l[2]);
	assert_string_equal(cws_config_get_string(cfg, ENVS), "A B C");
	l = cws_config_get_list(cfg, "proxy.no_proxy", &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[1], "10.0.0.0/8");
	/* A scalar is split on white space, as Datadog's cast does. */
	l = cws_config_get_list(cfg, "extra_tags", &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[1], "env:b");
	l = cws_config_get_list(cfg, "tags", &n);
	assert_int_equal(n, 0);
	assert_int_equal(cws_config_source(cfg, "tags"), CWS_CONFIG_SRC_FILE);

	assert_int_equal(load_env(cfg, envp, &err), 0);
	l = cws_config_get_list(cfg, "tags", &n);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], "x:1");
	assert_string_equal(l[2], "z");
	assert_string_equal(cws_config_get_string(cfg, "tags"), "x:1 y:2 z");
	l = cws_config_get_list(cfg, "tags", NULL);
	assert_string_equal(l[1], "y:2");
}

static void test_durations(void **state)
{
	static const struct {
		const char *in;
		long long ns;
		const char *text;
	} ok[] = {
		{ "5", 5000000000LL, "5s" },
		{ "1.5", 1500000000LL, "1.5s" },
		{ "0", 0, "0s" },
		{ "500ms", 500000000LL, "500ms" },
		{ "1m30s", 90000000000LL, "1m30s" },
		{ "1h", 3600000000000LL, "1h0m0s" },
		{ "2h45m0.5s", 9900500000000LL, "2h45m0.5s" },
		{ "-2s", -2000000000LL, "-2s" },
		{ "1.5h", 5400000000000LL, "1h30m0s" },
		{ "10us", 10000, "10us" },
		{ "3\xc2\xb5s", 3000, "3us" },
		{ "7ns", 7, "7ns" },
		{ " 6s ", 6000000000LL, "6s" },
	};
	static const char *const bad[] = { "soon", "5 parsecs", "1d",
					   "s",	   "1h-2m",	"",
					   "--1s", "9e99",	"9999999999h" };
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(ok); i++) {
		assert_int_equal(cws_config_set(cfg, RETENTION, ok[i].in, &err),
				 0);
		assert_int_equal(cws_config_get_duration_ns(cfg, RETENTION),
				 ok[i].ns);
		assert_string_equal(cws_config_get_string(cfg, RETENTION),
				    ok[i].text);
	}
	for (i = 0; i < CWS_ARRAY_SIZE(bad); i++)
		assert_int_equal(cws_config_set(cfg, RETENTION, bad[i], &err),
				 -EINVAL);
	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  endpoints:\n"
			      "    batch_wait: 2\n"
			      "    sender_backoff_max: 1m\n",
			      &err),
			 0);
	assert_int_equal(cws_config_get_duration_ns(cfg, BATCH_WAIT),
			 2000000000LL);
	assert_true(
		cws_config_get_float(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_max") ==
		60.0);
	/* INT and FLOAT keys read as durations count seconds. */
	assert_int_equal(cws_config_get_duration_ns(cfg, PID_CACHE),
			 10000LL * 1000000000LL);
}

static void test_scalars(void **state)
{
	static const char *const yes[] = { "true", "True", "YES", "on",
					   "1",	   "t",	   "y" };
	static const char *const no[] = { "false", "No", "OFF", "0", "f", "n" };
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(yes); i++) {
		assert_int_equal(cws_config_set(cfg, NET_ENABLED, no[0], &err),
				 0);
		assert_int_equal(cws_config_set(cfg, NET_ENABLED, yes[i], &err),
				 0);
		assert_true(cws_config_get_bool(cfg, NET_ENABLED));
		assert_string_equal(cws_config_get_string(cfg, NET_ENABLED),
				    "true");
	}
	for (i = 0; i < CWS_ARRAY_SIZE(no); i++) {
		assert_int_equal(cws_config_set(cfg, NET_ENABLED, yes[0], &err),
				 0);
		assert_int_equal(cws_config_set(cfg, NET_ENABLED, no[i], &err),
				 0);
		assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	}
	assert_int_equal(cws_config_set(cfg, NET_ENABLED, "2", &err), -EINVAL);
	assert_int_equal(cws_config_set(cfg, NET_ENABLED, "", &err), -EINVAL);

	assert_int_equal(cws_config_set(cfg, PID_CACHE, "0x10", &err), 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 16);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "5.0", &err), 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), 5);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "-3", &err), 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), -3);
	assert_int_equal(
		cws_config_set(cfg, PID_CACHE, "9223372036854775807", &err), 0);
	assert_int_equal(cws_config_get_int(cfg, PID_CACHE), LLONG_MAX);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "9223372036854775808",
					&err),
			 -EINVAL);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "5.5", &err), -EINVAL);
	assert_int_equal(cws_config_set(cfg, PID_CACHE, "1e3", &err), -EINVAL);

	assert_int_equal(
		cws_config_set(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_factor",
			"1.25", &err),
		0);
	assert_true(
		cws_config_get_float(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_factor") ==
		1.25);
	assert_int_equal(
		cws_config_set(
			cfg,
			"runtime_security_config.endpoints.sender_backoff_factor",
			"nan", &err),
		-EINVAL);

	/* Keys are trimmed like Datadog's; other strings are kept as is. */
	assert_int_equal(cws_config_set(cfg, "api_key", " abc123\n", &err), 0);
	assert_string_equal(cws_config_get_string(cfg, "api_key"), "abc123");
	assert_int_equal(cws_config_set(cfg, "hostname", " h ", &err), 0);
	assert_string_equal(cws_config_get_string(cfg, "hostname"), " h ");
}

static void test_nulls_and_case(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;

	/* Everything commented out: the section is null, not an error. */
	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  # network:\n"
			      "  #   enabled: false\n"
			      "hostname:\n"
			      "site: ~\n"
			      "env: ''\n",
			      &err),
			 0);
	assert_true(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(cws_config_source(cfg, "hostname"),
			 CWS_CONFIG_SRC_DEFAULT);
	assert_string_equal(cws_config_get_string(cfg, "site"),
			    "datadoghq.com");
	assert_int_equal(cws_config_source(cfg, "env"), CWS_CONFIG_SRC_FILE);
	/* A quoted "null" is a string. */
	assert_int_equal(load(cfg, "hostname: 'null'\n", &err), 0);
	assert_string_equal(cws_config_get_string(cfg, "hostname"), "null");
	/* Keys are case-insensitive, as viper makes them. */
	assert_int_equal(load(cfg,
			      "SITE: datadoghq.eu\n"
			      "Runtime_Security_Config:\n"
			      "  Network: {Enabled: false}\n",
			      &err),
			 0);
	assert_string_equal(cws_config_get_string(cfg, "site"), "datadoghq.eu");
	assert_false(cws_config_get_bool(cfg, NET_ENABLED));
	assert_int_equal(load(cfg, "", &err), 0);
	assert_int_equal(load(cfg, "# nothing\n---\n", &err), 0);
}

static void test_merge_keys(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;

	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  network: &net\n"
			      "    classifier_priority: 3\n"
			      "    classifier_handle: 9\n"
			      "event_monitoring_config:\n"
			      "  network:\n"
			      "    <<: *net\n"
			      "    classifier_priority: 4\n",
			      &err),
			 0);
	assert_int_equal(
		cws_config_get_int(
			cfg,
			"runtime_security_config.network.classifier_handle"),
		9);
	assert_int_equal(cws_config_get_int(cfg, NET_PRIO), 3);
	assert_int_equal(cws_config_warning_count(cfg), 0);
	assert_int_equal(load(cfg,
			      "defaults: &d {site: a.example, hostname: m}\n"
			      "<<: *d\n"
			      "site: b.example\n",
			      &err),
			 0);
	assert_string_equal(cws_config_get_string(cfg, "site"), "b.example");
	assert_string_equal(cws_config_get_string(cfg, "hostname"), "m");
	assert_int_equal(cws_config_warning_count(cfg), 2);
	assert_string_equal(cws_config_warning(cfg, 0),
			    "cws.yaml:1:15: unknown key 'defaults.site'");
}

static void test_any(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	struct cws_config_item it;
	const char *envp[] = {
		"DD_LOGS_CONFIG_ADDITIONAL_ENDPOINTS=[{\"host\":\"h\"}]", NULL
	};

	assert_int_equal(load(cfg,
			      "runtime_security_config:\n"
			      "  endpoints:\n"
			      "    additional_endpoints:\n"
			      "      - api_key: \"abc\\t\"\n"
			      "        host: intake.example.com\n"
			      "        port: 443\n"
			      "        use_ssl: yes\n"
			      "        is_reliable: false\n"
			      "        tag: '443'\n"
			      "        none: ~\n",
			      &err),
			 0);
	assert_string_equal(
		cws_config_get_string(cfg, ADDITIONAL),
		"[{\"api_key\":\"abc\\u0009\",\"host\":\"intake.example.com\","
		"\"port\":443,\"use_ssl\":true,\"is_reliable\":false,"
		"\"tag\":\"443\",\"none\":null}]");
	assert_int_equal(cws_config_lookup(cfg, ADDITIONAL, &it), 0);
	assert_int_equal(it.type, CWS_CONFIG_ANY);
	assert_int_equal(it.line, 4);
	assert_int_equal(load_env(cfg, envp, &err), 0);
	assert_string_equal(
		cws_config_get_string(cfg, "logs_config.additional_endpoints"),
		"[{\"host\":\"h\"}]");
}

static void test_flags(void **state)
{
	static const char *const secret[] = {
		"api_key",
		"app_key",
		"proxy.https",
		"runtime_security_config.endpoints.api_key",
		"logs_config.api_key",
		ADDITIONAL,
		"multi_region_failover.api_key",
	};
	struct cws_config *cfg = *state;
	struct cws_config_item it;
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(secret); i++) {
		assert_int_equal(cws_config_lookup(cfg, secret[i], &it), 0);
		assert_true(it.flags & CWS_CONFIG_F_SECRET);
	}
	assert_int_equal(cws_config_lookup(cfg, "site", &it), 0);
	assert_false(it.flags & CWS_CONFIG_F_SECRET);
	assert_int_equal(cws_config_lookup(cfg, NET_ENABLED, &it), 0);
	assert_int_equal(it.flags, CWS_CONFIG_F_EVMON);
	assert_int_equal(it.type, CWS_CONFIG_BOOL);
	assert_int_equal(cws_config_lookup(cfg, "spool_dir", &it), 0);
	assert_true(it.flags & CWS_CONFIG_F_CWS);
}

static void test_names_and_misuse(void **state)
{
	struct cws_config *cfg = *state;
	size_t n = 99;

	assert_string_equal(cws_config_source_name(CWS_CONFIG_SRC_DEFAULT),
			    "default");
	assert_string_equal(cws_config_source_name(CWS_CONFIG_SRC_FILE),
			    "file");
	assert_string_equal(cws_config_source_name(CWS_CONFIG_SRC_ENV), "env");
	assert_string_equal(cws_config_source_name(CWS_CONFIG_SRC_RUNTIME),
			    "runtime");
	assert_string_equal(cws_config_type_name(CWS_CONFIG_DURATION),
			    "duration");
	/* Programming errors give zero values (and a message on stderr). */
	assert_string_equal(cws_config_get_string(cfg, "no.such"), "");
	assert_false(cws_config_get_bool(cfg, "site"));
	assert_int_equal(cws_config_get_int(cfg, NET_ENABLED), 0);
	assert_non_null(cws_config_get_list(cfg, "site", &n));
	assert_int_equal(n, 0);
	assert_int_equal(cws_config_source(cfg, "no.such"),
			 CWS_CONFIG_SRC_DEFAULT);
	cws_config_free(NULL);
}

/* Reads a file of the source tree; tests run from its top directory. */
static char *slurp(const char *path)
{
	char *buf = malloc(CWS_CONFIG_MAX_FILE + 1);
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !buf) {
		print_error("cannot open '%s' (run from the top directory)\n",
			    path);
		fail();
	}
	n = fread(buf, 1, CWS_CONFIG_MAX_FILE, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_example_file(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	char *yaml = slurp("examples/cws.yaml");

	assert_int_equal(cws_config_load_buffer(cfg, "examples/cws.yaml", yaml,
						strlen(yaml), &err),
			 0);
	assert_int_equal(cws_config_warning_count(cfg), 0);
	assert_int_equal(cws_config_source(cfg, "api_key"),
			 CWS_CONFIG_SRC_FILE);
	assert_int_equal(cws_config_source(cfg, BATCH_WAIT),
			 CWS_CONFIG_SRC_FILE);
	free(yaml);
}

/*
 * Every literal block of the EXAMPLES section of cws.yaml(5) loads without
 * error or warning: YAML blocks as a file, the DD_ block as environment.
 */
static void test_man_examples(void **state)
{
	struct cws_config *cfg = *state;
	struct cws_config_err err;
	char *man = slurp("man/cws.yaml.5"), *p, *end, *line, *next, *save;
	const char *envp[16];
	char block[4096];
	size_t len, nenv, blocks = 0;

	p = strstr(man, "\n.Sh EXAMPLES\n");
	assert_non_null(p);
	end = strstr(p + 1, "\n.Sh ");
	assert_non_null(end);
	end[1] = '\0';
	while ((p = strstr(p, "\n.Bd -literal"))) {
		p = strchr(p + 1, '\n') + 1;
		len = 0;
		for (line = p; strncmp(line, ".Ed\n", 4); line = next) {
			next = strchr(line, '\n') + 1;
			assert_true(len + (size_t)(next - line) <
				    sizeof(block));
			memcpy(block + len, line, next - line);
			len += next - line;
		}
		block[len] = '\0';
		p = line;
		blocks++;
		if (strncmp(block, "DD_", 3)) {
			assert_int_equal(load(cfg, block, &err), 0);
			assert_int_equal(cws_config_warning_count(cfg), 0);
			continue;
		}
		nenv = 0;
		for (line = strtok_r(block, " \n", &save); line;
		     line = strtok_r(NULL, " \n", &save))
			if (!strncmp(line, "DD_", 3) && nenv < 15)
				envp[nenv++] = line;
		envp[nenv] = NULL;
		assert_true(nenv >= 2);
		assert_int_equal(load_env(cfg, envp, &err), 0);
		assert_int_equal(cws_config_source(cfg, BATCH_WAIT),
				 CWS_CONFIG_SRC_ENV);
	}
	assert_int_equal(blocks, 3);
	assert_string_equal(cws_config_get_string(cfg, "site"), "datadoghq.eu");
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_defaults),
		T(test_table),
		T(test_file_overrides_default),
		T(test_env_overrides_file),
		T(test_env_evmon_alias),
		T(test_file_evmon_alias),
		T(test_runtime_overrides_env),
		T(test_file_wrong_type),
		T(test_env_wrong_type),
		T(test_unknown_key),
		T(test_yaml_syntax_error),
		T(test_limits),
		T(test_files),
		T(test_lists),
		T(test_durations),
		T(test_scalars),
		T(test_nulls_and_case),
		T(test_merge_keys),
		T(test_any),
		T(test_flags),
		T(test_names_and_misuse),
		T(test_example_file),
		T(test_man_examples),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
