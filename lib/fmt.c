// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include <stdint.h>

#include "lib/fmt.h"

struct fmt_spec {
	bool left; /* '-' */
	bool zero; /* '0' */
	bool alt;  /* '#' */
	int width;
	int length; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
};

struct fmt_out {
	fmt_sink_fn sink;
	void *ctx;
	int count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct fmt_out *o, const struct fmt_spec *s,
		    const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	while (str[len])
		len++;
	if (!s->left)
		out_pad(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		out_char(o, str[i]);
	if (s->left)
		out_pad(o, ' ', s->width - len);
}

/*
 * Digits are produced backwards into a small buffer; 22 holds 2^64 in
 * octal. The sign and the 0x prefix go before zero padding, after space
 * padding, as C's printf does.
 */
static void out_num(struct fmt_out *o, const struct fmt_spec *s, uint64_t v,
		    bool neg, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0, prefix_len, pad;
	const char *prefix = "";
	bool zero = v == 0;

	do {
		buf[n++] = digits[v % base];
		v /= base;
	} while (v);

	if (neg)
		prefix = "-";
	else if (s->alt && base == 16 && !zero)
		prefix = upper ? "0X" : "0x";
	else if (s->alt && base == 8 && buf[n - 1] != '0')
		prefix = "0";
	prefix_len = prefix[0] ? (prefix[1] ? 2 : 1) : 0;
	pad = s->width - n - prefix_len;

	if (!s->left && !s->zero)
		out_pad(o, ' ', pad);
	for (int i = 0; i < prefix_len; i++)
		out_char(o, prefix[i]);
	if (!s->left && s->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, buf[--n]);
	if (s->left)
		out_pad(o, ' ', pad);
}

static uint64_t arg_unsigned(const struct fmt_spec *s, va_list *ap)
{
	switch (s->length) {
	case -2:
		return (unsigned char)va_arg(*ap, unsigned int);
	case -1:
		return (unsigned short)va_arg(*ap, unsigned int);
	case 0:
		return va_arg(*ap, unsigned int);
	case 1:
		return va_arg(*ap, unsigned long);
	case 3:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned long long);
	}
}

static int64_t arg_signed(const struct fmt_spec *s, va_list *ap)
{
	switch (s->length) {
	case -2:
		return (signed char)va_arg(*ap, int);
	case -1:
		return (short)va_arg(*ap, int);
	case 0:
		return va_arg(*ap, int);
	case 1:
		return va_arg(*ap, long);
	case 3:
		return (int64_t)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, long long);
	}
}

static const char *parse_spec(const char *f, struct fmt_spec *s, va_list *ap)
{
	*s = (struct fmt_spec){0};
	for (;; f++) {
		if (*f == '-')
			s->left = true;
		else if (*f == '0')
			s->zero = true;
		else if (*f == '#')
			s->alt = true;
		else
			break;
	}
	if (*f == '*') {
		s->width = va_arg(*ap, int);
		if (s->width < 0) {
			s->left = true;
			s->width = -s->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9') {
		if (s->width < 10000)
			s->width = s->width * 10 + (*f - '0');
		f++;
	}
	for (;; f++) {
		if (*f == 'l')
			s->length = s->length >= 1 ? 2 : 1;
		else if (*f == 'h')
			s->length = s->length <= -1 ? -2 : -1;
		else if (*f == 'z')
			s->length = 3;
		else
			break;
	}
	return f;
}

/*
 * va_list is passed by pointer to the helpers because on x86-64 it is an
 * array type, and a copy would not advance the caller's list.
 */
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = {.sink = sink, .ctx = ctx};
	struct fmt_spec s;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &s, &args);
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&s, &args);

			out_num(&o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v,
				v < 0, 10, false);
			break;
		}
		case 'u':
			out_num(&o, &s, arg_unsigned(&s, &args), false, 10,
				false);
			break;
		case 'x':
		case 'X':
			out_num(&o, &s, arg_unsigned(&s, &args), false, 16,
				*fmt == 'X');
			break;
		case 'o':
			out_num(&o, &s, arg_unsigned(&s, &args), false, 8,
				false);
			break;
		case 'p':
			s.alt = true;
			out_num(&o, &s, (uintptr_t)va_arg(args, void *), false,
				16, false);
			break;
		case 'c': {
			char c = (char)va_arg(args, int);

			if (!s.left)
				out_pad(&o, ' ', s.width - 1);
			out_char(&o, c);
			if (s.left)
				out_pad(&o, ' ', s.width - 1);
			break;
		}
		case 's':
			out_str(&o, &s, va_arg(args, const char *));
			break;
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it rather than read past. */
			out_char(&o, '%');
			va_end(args);
			return o.count;
		default:
			/* Unknown conversion: show it verbatim so the bug is visible. */
			out_char(&o, '%');
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(args);
	return o.count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = {.buf = buf, .size = size};
	int n = fmt_vformat(buf_put, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int fmt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
