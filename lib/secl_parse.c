/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL parser: tokens to an AST, following Datadog's grammar exactly
 * (shared/reference/datadog-cws.md section 1.2), loosest first:
 *
 *	Expr       := Comparison [ ("||" | "or" | "&&" | "and") Expr ]
 *	Comparison := Arith [ ScalarOp Comparison | ArrayOp Array ]
 *	Arith      := BitOp { ("+" | "-") BitOp }
 *	BitOp      := Unary [ ("&" | "|" | "^") BitOp ]
 *	Unary      := ("!" | "not" | "-" | "^") Unary | Primary
 *	Primary    := Ident | CIDR | IP | Int | Variable | String | Pattern
 *	            | Regexp | Duration | "(" Expr ")"
 *
 * So && and || have one precedence and group to the right
 * (`A && B || C` is `A && (B || C)`), & | ^ too and they bind tighter
 * than comparisons (`2 & 1 | 1` is 0, `1 == 1 & 1` is true), and `not`
 * takes one operand (`not true && false` is false).
 *
 * The right-recursive rules are parsed with loops and folded from the
 * right, and && / || chains become n-ary nodes, so that a long chain
 * costs no stack: only parentheses and unary operators recurse, and the
 * depth of the resulting tree is capped (CWS_SECL_MAX_DEPTH) for the
 * compiler's sake.
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

struct parser {
	struct arena *a;
	const char *src;
	const struct tok *t;
	size_t nt, i;
	unsigned depth; /* parentheses and unary operators being parsed */
	struct cws_secl_err *err;
};

static const struct tok *peek(const struct parser *p, size_t k)
{
	size_t i = p->i + k;

	return &p->t[i < p->nt ? i : p->nt - 1];
}

static bool is_punct(const struct tok *t, char c)
{
	return t->type == TK_PUNCT && t->punct == c;
}

/* Two punctuation characters written together: "&&", "==", ... */
static bool is_punct2(const struct parser *p, char a, char b)
{
	const struct tok *t0 = peek(p, 0), *t1 = peek(p, 1);

	return is_punct(t0, a) && is_punct(t1, b) && t0->pos + 1 == t1->pos;
}

static bool is_word(const struct parser *p, const struct tok *t, const char *w)
{
	size_t n = strlen(w);

	return t->type == TK_IDENT && t->vlen == n &&
	       !memcmp(p->src + t->vpos, w, n);
}

static int syntax_error(struct parser *p, const struct tok *t)
{
	char text[40];
	size_t n;

	if (t->type == TK_EOF)
		return secl_errf(p->err, -EINVAL, CWS_SECL_ERR_SYNTAX, t->pos,
				 "unexpected end of expression");
	n = t->len < sizeof(text) - 4 ? t->len : sizeof(text) - 4;
	memcpy(text, p->src + t->pos, n);
	text[n] = '\0';
	if (n < t->len)
		memcpy(text + n, "...", 4);
	return secl_errf(p->err, -EINVAL, CWS_SECL_ERR_SYNTAX, t->pos,
			 "unexpected token \"%s\"", text);
}

static int nomem(struct parser *p)
{
	return secl_errf(p->err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
			 "out of memory");
}

static struct ast *node(struct parser *p, uint8_t type, uint32_t pos)
{
	struct ast *n = arena_zalloc(p->a, sizeof(*n));

	if (n) {
		n->type = type;
		n->pos = pos;
		n->depth = 1;
	}
	return n;
}

/* Sets n's depth from its children; -E2BIG past the cap. */
static int fix_depth(struct parser *p, struct ast *n)
{
	unsigned d = 0;
	uint32_t k;

	if (n->l && n->l->depth > d)
		d = n->l->depth;
	if (n->r && n->r->depth > d)
		d = n->r->depth;
	for (k = 0; k < n->nitems; k++)
		if (n->items[k]->depth > d)
			d = n->items[k]->depth;
	if (d + 1 > CWS_SECL_MAX_DEPTH)
		return secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT, n->pos,
				 "expression nested too deeply");
	n->depth = (uint16_t)(d + 1);
	return 0;
}

static struct ast *binary(struct parser *p, uint8_t type, uint8_t op,
			  uint32_t pos, struct ast *l, struct ast *r)
{
	struct ast *n = node(p, type, pos);

	if (!n) {
		nomem(p);
		return NULL;
	}
	n->op = op;
	n->l = l;
	n->r = r;
	if (fix_depth(p, n) < 0)
		return NULL;
	return n;
}

static struct ast *parse_expr(struct parser *p);

/* A growable array of AST pointers in the arena (doubling copies). */
struct alist {
	struct ast **v;
	uint32_t n, cap;
};

static int alist_push(struct parser *p, struct alist *l, struct ast *a)
{
	if (l->n == l->cap) {
		uint32_t ncap = l->cap ? l->cap * 2 : 8;
		struct ast **nv = arena_alloc(p->a, ncap * sizeof(*nv));

		if (!nv)
			return nomem(p);
		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = a;
	return 0;
}

static struct ast *parse_primary(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	struct ast *n;
	uint8_t type;

	switch (t->type) {
	case TK_IDENT:
		type = AST_IDENT;
		break;
	case TK_INT:
		type = AST_INT;
		break;
	case TK_DURATION:
		type = AST_DURATION;
		break;
	case TK_STRING:
		type = AST_STRING;
		break;
	case TK_PATTERN:
		type = AST_PATTERN;
		break;
	case TK_REGEX:
		type = AST_REGEX;
		break;
	case TK_IP:
	case TK_CIDR:
		type = AST_IP;
		break;
	case TK_VAR:
		type = AST_VAR;
		break;
	case TK_PUNCT:
		if (t->punct == '(') {
			p->i++;
			if (++p->depth > CWS_SECL_MAX_DEPTH) {
				secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT,
					  t->pos,
					  "expression nested too deeply");
				return NULL;
			}
			n = parse_expr(p);
			p->depth--;
			if (!n)
				return NULL;
			if (!is_punct(peek(p, 0), ')')) {
				syntax_error(p, peek(p, 0));
				return NULL;
			}
			p->i++;
			return n;
		}
		/* fall through */
	default:
		syntax_error(p, t);
		return NULL;
	}
	n = node(p, type, t->pos);
	if (!n) {
		nomem(p);
		return NULL;
	}
	n->s.p = p->src + t->vpos;
	n->s.n = t->vlen;
	n->i = t->i;
	n->ip = t->ip;
	n->op = t->type == TK_CIDR; /* AST_IP: written as a CIDR */
	p->i++;
	return n;
}

static struct ast *parse_unary(struct parser *p)
{
	uint8_t ops[CWS_SECL_MAX_DEPTH];
	uint32_t pos[CWS_SECL_MAX_DEPTH];
	unsigned nops = 0, k;
	struct ast *n;

	for (;;) {
		const struct tok *t = peek(p, 0);
		uint8_t type;

		if (is_punct(t, '!') && !is_punct2(p, '!', '=') &&
		    !is_punct2(p, '!', '~'))
			type = AST_NOT;
		else if (is_word(p, t, "not"))
			type = AST_NOT;
		else if (is_punct(t, '-'))
			type = AST_NEG;
		else if (is_punct(t, '^'))
			type = AST_BITNOT;
		else
			break;
		if (nops == CWS_SECL_MAX_DEPTH ||
		    p->depth + nops >= CWS_SECL_MAX_DEPTH) {
			secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT, t->pos,
				  "expression nested too deeply");
			return NULL;
		}
		ops[nops] = type;
		pos[nops++] = t->pos;
		p->i++;
	}
	n = parse_primary(p);
	for (k = nops; n && k-- > 0;)
		n = binary(p, ops[k], 0, pos[k], n, NULL);
	return n;
}

/* BitOp := Unary [ ("&" | "|" | "^") BitOp ], folded from the right. */
static struct ast *parse_bitop(struct parser *p)
{
	struct alist operands = { 0 };
	uint8_t ops[64];
	uint32_t pos[64];
	struct alist more = { 0 };
	struct ast *n, *acc;
	uint32_t k, nops = 0;

	n = parse_unary(p);
	if (!n || alist_push(p, &operands, n) < 0)
		return NULL;
	for (;;) {
		const struct tok *t = peek(p, 0);
		uint8_t type;

		if (is_punct(t, '&') && !is_punct2(p, '&', '&'))
			type = AST_BITAND;
		else if (is_punct(t, '|') && !is_punct2(p, '|', '|'))
			type = AST_BITOR;
		else if (is_punct(t, '^'))
			type = AST_BITXOR;
		else
			break;
		if (nops == CWS_ARRAY_SIZE(ops)) {
			secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT, t->pos,
				  "expression nested too deeply");
			return NULL;
		}
		ops[nops] = type;
		pos[nops++] = t->pos;
		p->i++;
		n = parse_unary(p);
		if (!n || alist_push(p, &operands, n) < 0)
			return NULL;
	}
	(void)more;
	acc = operands.v[operands.n - 1];
	for (k = nops; acc && k-- > 0;)
		acc = binary(p, ops[k], 0, pos[k], operands.v[k], acc);
	return acc;
}

/* Arith := BitOp { ("+" | "-") BitOp }, a left fold. */
static struct ast *parse_arith(struct parser *p)
{
	struct ast *acc = parse_bitop(p);

	while (acc) {
		const struct tok *t = peek(p, 0);
		uint8_t type;
		struct ast *r;

		if (is_punct(t, '+'))
			type = AST_ADD;
		else if (is_punct(t, '-'))
			type = AST_SUB;
		else
			break;
		p->i++;
		r = parse_bitop(p);
		if (!r)
			return NULL;
		acc = binary(p, type, 0, t->pos, acc, r);
	}
	return acc;
}

/* Array := CIDR | Variable | Ident | "[" members "]". */
static struct ast *parse_array(struct parser *p)
{
	const struct tok *t = peek(p, 0);
	struct alist items = { 0 };
	struct ast *n, *m;
	int kind = -1; /* of the first member: 0 str, 1 ip, 2 int, 3 ident */

	if (t->type == TK_CIDR || t->type == TK_VAR || t->type == TK_IDENT)
		return parse_primary(p);
	if (!is_punct(t, '[')) {
		syntax_error(p, t);
		return NULL;
	}
	n = node(p, AST_ARRAY, t->pos);
	if (!n) {
		nomem(p);
		return NULL;
	}
	p->i++;
	for (;;) {
		const struct tok *e = peek(p, 0);
		int k;

		switch (e->type) {
		case TK_STRING:
		case TK_PATTERN:
		case TK_REGEX:
			k = 0;
			break;
		case TK_IP:
		case TK_CIDR:
			k = 1;
			break;
		case TK_INT:
			k = 2;
			break;
		case TK_IDENT:
			k = 3;
			break;
		default:
			k = -1;
			break;
		}
		/* Members cannot mix kinds: Datadog's grammar has no rule. */
		if (k < 0 || (kind >= 0 && k != kind)) {
			syntax_error(p, e);
			return NULL;
		}
		kind = k;
		if (items.n == CWS_SECL_MAX_ARRAY) {
			secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT, e->pos,
				  "array longer than %u members",
				  CWS_SECL_MAX_ARRAY);
			return NULL;
		}
		m = parse_primary(p);
		if (!m || alist_push(p, &items, m) < 0)
			return NULL;
		e = peek(p, 0);
		if (is_punct(e, ']')) {
			p->i++;
			break;
		}
		if (!is_punct(e, ',')) {
			syntax_error(p, e);
			return NULL;
		}
		p->i++;
	}
	n->items = items.v;
	n->nitems = items.n;
	n->op = (uint8_t)kind;
	return n;
}

/*
 * Comparison := Arith [ ScalarOp Comparison | ArrayOp Array ]: a chain of
 * scalar comparisons ending with at most one array comparison, folded from
 * the right (`a == b == c` is `a == (b == c)`, a type error later).
 */
static struct ast *parse_comparison(struct parser *p)
{
	struct alist operands = { 0 };
	uint8_t ops[64];
	uint32_t pos[64];
	uint32_t nops = 0, k;
	struct ast *acc;

	for (;;) {
		const struct tok *t;
		uint8_t op = 0;
		unsigned width = 2;
		struct ast *n = parse_arith(p);

		if (!n)
			return NULL;
		t = peek(p, 0);
		if (is_word(p, t, "in") || is_word(p, t, "allin") ||
		    (is_word(p, t, "not") && is_word(p, peek(p, 1), "in"))) {
			uint8_t aop = is_word(p, t, "in") ? CWS_SECL_OP_IN :
				      is_word(p, t, "allin") ?
							    CWS_SECL_OP_ALLIN :
							    CWS_SECL_OP_NOT_IN;
			struct ast *arr;

			p->i += aop == CWS_SECL_OP_NOT_IN ? 2 : 1;
			arr = parse_array(p);
			if (!arr)
				return NULL;
			n = binary(p, AST_ARRAYCMP, aop, t->pos, n, arr);
			if (!n || alist_push(p, &operands, n) < 0)
				return NULL;
			break;
		}
		if (alist_push(p, &operands, n) < 0)
			return NULL;
		if (is_punct2(p, '>', '='))
			op = CWS_SECL_OP_GE;
		else if (is_punct2(p, '<', '='))
			op = CWS_SECL_OP_LE;
		else if (is_punct2(p, '!', '='))
			op = CWS_SECL_OP_NE;
		else if (is_punct2(p, '=', '='))
			op = CWS_SECL_OP_EQ;
		else if (is_punct2(p, '=', '~'))
			op = CWS_SECL_OP_MATCH;
		else if (is_punct2(p, '!', '~'))
			op = CWS_SECL_OP_NMATCH;
		else if (is_punct(t, '>'))
			op = CWS_SECL_OP_GT, width = 1;
		else if (is_punct(t, '<'))
			op = CWS_SECL_OP_LT, width = 1;
		else if ((is_punct(t, '=') || is_punct(t, '!')) &&
			 peek(p, 1)->type == TK_PATTERN &&
			 peek(p, 1)->pos == t->pos + 1) {
			/*
			 * `x =~"a*"`: the lexer took `~"a*"` as a pattern.
			 * Datadog fails here; we read what was meant, which
			 * is the same value since =~ makes strings patterns.
			 */
			op = t->punct == '=' ? CWS_SECL_OP_MATCH :
					       CWS_SECL_OP_NMATCH;
			width = 1;
		}
		if (!op)
			break;
		if (nops == CWS_ARRAY_SIZE(ops)) {
			secl_errf(p->err, -E2BIG, CWS_SECL_ERR_LIMIT, t->pos,
				  "expression nested too deeply");
			return NULL;
		}
		ops[nops] = op;
		pos[nops++] = t->pos;
		p->i += width;
	}
	acc = operands.v[operands.n - 1];
	for (k = nops; acc && k-- > 0;)
		acc = binary(p, AST_CMP, ops[k], pos[k], operands.v[k], acc);
	return acc;
}

/*
 * Expr := Comparison [ op Expr ] with op one of || or && and: a flat,
 * right-grouping chain. Built as n-ary nodes: walking from the right, an
 * operator equal to the one being collected adds an operand, another one
 * closes the group, which becomes the right operand of the new group.
 */
static struct ast *parse_expr(struct parser *p)
{
	struct alist operands = { 0 };
	struct alist group = { 0 };
	uint8_t *ops = NULL;
	uint32_t *pos = NULL;
	uint32_t nops = 0, cap = 0, k, gop = 0, gpos = 0;
	struct ast *n;

	for (;;) {
		const struct tok *t;
		uint8_t op = 0;
		unsigned width = 1;

		n = parse_comparison(p);
		if (!n || alist_push(p, &operands, n) < 0)
			return NULL;
		t = peek(p, 0);
		if (is_punct2(p, '|', '|'))
			op = AST_OR, width = 2;
		else if (is_punct2(p, '&', '&'))
			op = AST_AND, width = 2;
		else if (is_word(p, t, "or"))
			op = AST_OR;
		else if (is_word(p, t, "and"))
			op = AST_AND;
		if (!op)
			break;
		if (nops == cap) {
			uint32_t ncap = cap ? cap * 2 : 16;
			uint8_t *no = arena_alloc(p->a, ncap);
			uint32_t *np = arena_alloc(p->a, ncap * sizeof(*np));

			if (!no || !np) {
				nomem(p);
				return NULL;
			}
			if (nops) {
				memcpy(no, ops, nops);
				memcpy(np, pos, nops * sizeof(*np));
			}
			ops = no;
			pos = np;
			cap = ncap;
		}
		ops[nops] = op;
		pos[nops++] = t->pos;
		p->i += width;
	}
	if (!nops)
		return operands.v[0];
	/* group holds operands in reverse order, rightmost first. */
	if (alist_push(p, &group, operands.v[nops]) < 0)
		return NULL;
	for (k = nops; k-- > 0;) {
		if (gop && ops[k] != gop) {
			n = node(p, gop, gpos);
			if (!n) {
				nomem(p);
				return NULL;
			}
			n->items =
				arena_alloc(p->a, group.n * sizeof(*n->items));
			if (!n->items) {
				nomem(p);
				return NULL;
			}
			for (uint32_t j = 0; j < group.n; j++)
				n->items[j] = group.v[group.n - 1 - j];
			n->nitems = group.n;
			if (fix_depth(p, n) < 0)
				return NULL;
			group.n = 0;
			if (alist_push(p, &group, n) < 0)
				return NULL;
		}
		gop = ops[k];
		gpos = pos[k];
		if (alist_push(p, &group, operands.v[k]) < 0)
			return NULL;
	}
	n = node(p, gop, gpos);
	if (!n) {
		nomem(p);
		return NULL;
	}
	n->items = arena_alloc(p->a, group.n * sizeof(*n->items));
	if (!n->items) {
		nomem(p);
		return NULL;
	}
	for (k = 0; k < group.n; k++)
		n->items[k] = group.v[group.n - 1 - k];
	n->nitems = group.n;
	if (fix_depth(p, n) < 0)
		return NULL;
	return n;
}

int secl_parse(struct arena *a, const char *src, size_t n, bool macro,
	       struct ast **out, struct cws_secl_err *err)
{
	struct parser p = { .a = a, .src = src, .err = err };
	struct tok *toks = NULL;
	struct ast *root;
	int ret;

	ret = secl_lex(src, n, &toks, &p.nt, err);
	if (ret < 0)
		return ret;
	p.t = toks;
	/* A macro may be a bare array: `["a", "b"]`. */
	if (macro && is_punct(peek(&p, 0), '['))
		root = parse_array(&p);
	else
		root = parse_expr(&p);
	if (!root) {
		ret = err ? err->code : -EINVAL;
		if (ret >= 0)
			ret = -EINVAL;
		goto out;
	}
	if (peek(&p, 0)->type != TK_EOF) {
		ret = syntax_error(&p, peek(&p, 0));
		goto out;
	}
	*out = root;
	ret = 0;
out:
	free(toks);
	return ret;
}
