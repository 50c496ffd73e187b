/*
 * opendkim-peer.c -- minimal libopendkim driver used by .ci/peers/{sign,verify}.
 * Compiled on demand by those scripts (see .ci/peers/lib.sh); not a product.
 *
 * Why not opendkim-testmsg: it has no canonicalization/algorithm options
 * (always simple/simple rsa-sha256) and can only verify against live DNS.
 *
 *   opendkim-peer sign KEYFILE DOMAIN SELECTOR HDRCANON BODYCANON ALGO < msg
 *       Writes the DKIM-Signature header field (CRLF terminated) to stdout.
 *       KEYFILE: PEM (RSA PKCS#1/PKCS#8, Ed25519 PKCS#8), given to the library
 *       verbatim.  Signed headers: libopendkim's default list (those present
 *       among From, To, Subject, Date, Message-ID, Cc, MIME-Version, ...),
 *       with From oversigned (as in Debian's opendkim.conf).
 *
 *   opendkim-peer verify KEYSFILE < msg
 *       Verifies every DKIM-Signature using DKIM_QUERY_FILE: KEYSFILE has lines
 *       "<selector>._domainkey.<domain> <key record>" (no trailing dot, one
 *       line per key, record strings already concatenated).
 *       Prints "RESULT d=DOMAIN s=SELECTOR" per signature, RESULT one of
 *       pass|fail|permerror|temperror; exit 0 iff >=1 signature and all pass.
 *
 *   opendkim-peer sign-batch KEYFILE DOMAIN SELECTOR HC BC ALGO OUTDIR FILE...
 *   opendkim-peer verify-batch KEYSFILE FILE...
 *       The same for many messages in one process (.ci/differential.sh),
 *       which also turn every line ending into CRLF first (as the wrappers do
 *       for the single forms): sign-batch writes OUTDIR/<basename of FILE> =
 *       signature field + FILE (CRLF);
 *       both print one record per FILE, "EXIT<TAB>FILE<TAB>STDOUT<TAB>STDERR",
 *       EXIT/STDOUT/STDERR being what the single form gives for that message
 *       (lines joined by " | ").  The batch exit code is 0 unless usage error.
 *
 * The message should use CRLF line endings (the wrappers convert LF first).
 *
 * Library flags: DKIM_LIBFLAGS_FIXCRLF is always set.  Without it libopendkim
 * refuses (DKIM_STAT_SYNTAX, "CRLF at end of body missing") to canonicalize
 * a relaxed body whose last line has no CRLF -- production OpenDKIM never sees
 * one, since SMTP DATA always ends in CRLF.  With it the library completes
 * that last line itself (and would fix naked CRs/LFs, which the wrappers never
 * pass).  Its relaxed canonicalization of such a line still differs from RFC
 * 6376 in two shapes (see opendkim_relaxed in genmsg.py), which
 * .ci/differential.sh asserts; everything else agrees with dkimpy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/types.h>
#include <opendkim/dkim.h>

static unsigned char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	size_t r;
	if (buf == NULL)
		exit(2);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			exit(2);
	}
	*len = n;
	return buf;
}

/* NULL (and a message on ERR) if PATH cannot be read */
static unsigned char *slurp_file(const char *path, size_t *len, FILE *err)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	if (f == NULL) {
		fprintf(err, "opendkim-peer: %s: cannot open\n", path);
		return NULL;
	}
	buf = slurp(f, len);
	fclose(f);
	return buf;
}

/* BUF with every LF not preceded by CR turned into CRLF (frees BUF) */
static unsigned char *to_crlf(unsigned char *buf, size_t *len)
{
	size_t n = 0;
	unsigned char *out = malloc(2 * *len + 1);

	if (out == NULL)
		exit(2);
	for (size_t i = 0; i < *len; i++) {
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			out[n++] = '\r';
		out[n++] = buf[i];
	}
	free(buf);
	*len = n;
	return out;
}

/* OR FLAGS into the library's DKIM_OPTS_FLAGS, keeping those already set */
static void add_libflags(DKIM_LIB *lib, unsigned int flags)
{
	unsigned int cur = 0;
	DKIM_STAT st;

	st = dkim_options(lib, DKIM_OP_GETOPT, DKIM_OPTS_FLAGS, &cur, sizeof cur);
	if (st == DKIM_STAT_OK) {
		cur |= flags;
		st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &cur, sizeof cur);
	}
	if (st != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim-peer: dkim_options(DKIM_OPTS_FLAGS): %s\n",
		        dkim_getresultstr(st));
		exit(2);
	}
}

static int die_stat(FILE *err, DKIM *d, const char *what, DKIM_STAT st)
{
	fprintf(err, "opendkim-peer: %s: %s (%s)\n", what,
	        dkim_getresultstr(st), d ? dkim_geterror(d) : "");
	if (d != NULL)
		dkim_free(d);
	return 2;
}

/* Feed the message.  dkim_chunk() splits headers/body itself. */
static DKIM_STAT feed(DKIM *d, unsigned char *msg, size_t len)
{
	DKIM_STAT st = dkim_chunk(d, msg, len);
	if (st != DKIM_STAT_OK)
		return st;
	return dkim_chunk(d, NULL, 0);
}

/* Sign MSG; the DKIM-Signature field (CRLF folded and terminated) goes to OUT.
 * av: KEYFILE DOMAIN SELECTOR HDRCANON BODYCANON ALGO; KEY: KEYFILE's bytes. */
static int sign_one(DKIM_LIB *lib, char **av, unsigned char *key,
                    unsigned char *msg, size_t len, FILE *out, FILE *err)
{
	dkim_canon_t hc, bc;
	dkim_alg_t alg;
	DKIM_STAT st;
	DKIM *d;
	unsigned char *hdr;
	size_t hlen;
	const char *oversign[] = { "from", NULL };

	hc = strcmp(av[3], "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	bc = strcmp(av[4], "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	if (strcmp(av[5], "rsa-sha256") == 0)
		alg = DKIM_SIGN_RSASHA256;
	else if (strcmp(av[5], "ed25519-sha256") == 0)
		alg = DKIM_SIGN_ED25519SHA256;
	else if (strcmp(av[5], "rsa-sha1") == 0)
		alg = DKIM_SIGN_RSASHA1;
	else {
		fprintf(err, "opendkim-peer: unknown algorithm %s\n", av[5]);
		return 2;
	}
	st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	                  oversign, sizeof(char **));
	if (st != DKIM_STAT_OK)
		return die_stat(err, NULL, "dkim_options(OVERSIGNHDRS)", st);

	d = dkim_sign(lib, (unsigned char *) "dkimctl-peer", NULL, key,
	              (unsigned char *) av[2], (unsigned char *) av[1],
	              hc, bc, alg, -1L, &st);
	if (d == NULL)
		return die_stat(err, NULL, "dkim_sign", st);
	if ((st = feed(d, msg, len)) != DKIM_STAT_OK)
		return die_stat(err, d, "dkim_chunk", st);
	if ((st = dkim_eom(d, NULL)) != DKIM_STAT_OK)
		return die_stat(err, d, "dkim_eom", st);
	st = dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &hdr, &hlen);
	if (st != DKIM_STAT_OK)
		return die_stat(err, d, "dkim_getsighdr_d", st);
	/* folded with CRLF for CRLF input (bare LF otherwise): force CRLF */
	fputs(DKIM_SIGNHEADER ": ", out);
	for (size_t i = 0; i < hlen; i++) {
		if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r'))
			putc('\r', out);
		putc(hdr[i], out);
	}
	fputs("\r\n", out);
	dkim_free(d);
	return 0;
}

static unsigned char *read_key(const char *path)
{
	size_t keylen;
	unsigned char *key = slurp_file(path, &keylen, stderr);

	if (key == NULL)
		exit(2);
	key = realloc(key, keylen + 1);	/* the library wants a C string */
	if (key == NULL)
		exit(2);
	key[keylen] = '\0';
	return key;
}

static int do_sign(DKIM_LIB *lib, char **av)
{
	size_t len;
	unsigned char *key = read_key(av[0]);
	unsigned char *msg = slurp(stdin, &len);

	return sign_one(lib, av, key, msg, len, stdout, stderr);
}

static const char *classify(DKIM_SIGINFO *s)
{
	unsigned int fl = dkim_sig_getflags(s);
	int err = dkim_sig_geterror(s);

	if ((fl & DKIM_SIGFLAG_PASSED) && dkim_sig_getbh(s) == DKIM_SIGBH_MATCH)
		return "pass";
	switch (err) {
	case DKIM_SIGERROR_OK:		/* processed, body hash mismatch */
	case DKIM_SIGERROR_BADSIG:
		return "fail";
	case DKIM_SIGERROR_KEYFAIL:	/* key retrieval failed */
	case DKIM_SIGERROR_MULTIREPLY:
		return "temperror";
	default:			/* syntax, no key, bad key, ... */
		return "permerror";
	}
}

/* Verify every signature of MSG: result lines to OUT, diagnostics to ERR */
static int verify_one(DKIM_LIB *lib, unsigned char *msg, size_t len,
                      FILE *out, FILE *err)
{
	DKIM_STAT st;
	DKIM *d;
	DKIM_SIGINFO **sigs;
	int nsigs = 0, ok = 0;

	d = dkim_verify(lib, (unsigned char *) "dkimctl-peer", NULL, &st);
	if (d == NULL)
		return die_stat(err, NULL, "dkim_verify", st);
	st = feed(d, msg, len);
	if (st == DKIM_STAT_NOSIG) {
		fprintf(err, "opendkim-peer: no DKIM-Signature\n");
		dkim_free(d);
		return 1;
	}
	/* dkim_eom's own status only describes one signature; use the list */
	if (st == DKIM_STAT_OK)
		(void) dkim_eom(d, NULL);
	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		fprintf(err, "opendkim-peer: no DKIM-Signature (%s)\n",
		        dkim_geterror(d));
		dkim_free(d);
		return 1;
	}
	for (int i = 0; i < nsigs; i++) {
		const char *r = classify(sigs[i]);
		const unsigned char *dom = dkim_sig_getdomain(sigs[i]);
		const unsigned char *sel = dkim_sig_getselector(sigs[i]);
		fprintf(out, "%s d=%s s=%s\n", r, dom ? (char *) dom : "",
		        sel ? (char *) sel : "");
		if (strcmp(r, "pass") == 0)
			ok++;
		else
			fprintf(err, "opendkim-peer: sig %d: %s\n", i,
			        dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
	}
	dkim_free(d);
	return ok == nsigs ? 0 : 1;
}

static void verify_setup(DKIM_LIB *lib, char *keysfile)
{
	dkim_query_t qm = DKIM_QUERY_FILE;

	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm, sizeof qm);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, keysfile, strlen(keysfile));
	add_libflags(lib, DKIM_LIBFLAGS_BADSIGHANDLES);
}

static int do_verify(DKIM_LIB *lib, char **av)
{
	size_t len;
	unsigned char *msg = slurp(stdin, &len);

	verify_setup(lib, av[0]);
	return verify_one(lib, msg, len, stdout, stderr);
}

/* print TEXT as one record field: newlines -> " | ", tabs -> space */
static void put_field(const char *text, size_t n)
{
	while (n > 0 && text[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n')
			fputs(" | ", stdout);
		else if (text[i] == '\t' || text[i] == '\r')
			putchar(' ');
		else
			putchar(text[i]);
	}
}

/* Batch: run one sign/verify per FILE with its output captured, print records.
 * SIGNAV: sign arguments (NULL = verify); OUTDIR: where signed copies go. */
static int do_batch(DKIM_LIB *lib, char **signav, const char *outdir,
                    char **files, int nfiles)
{
	unsigned char *key = signav ? read_key(signav[0]) : NULL;

	for (int i = 0; i < nfiles; i++) {
		char *obuf = NULL, *ebuf = NULL;
		size_t olen = 0, elen = 0, len = 0;
		FILE *out = open_memstream(&obuf, &olen);
		FILE *err = open_memstream(&ebuf, &elen);
		unsigned char *msg;
		int rc = 2;

		if (out == NULL || err == NULL)
			exit(2);
		msg = slurp_file(files[i], &len, err);
		if (msg != NULL)
			msg = to_crlf(msg, &len);
		if (msg != NULL && signav == NULL) {
			rc = verify_one(lib, msg, len, out, err);
		} else if (msg != NULL) {
			rc = sign_one(lib, signav, key, msg, len, out, err);
			if (rc == 0) {	/* OUTDIR/basename = signature + message */
				const char *base = strrchr(files[i], '/');
				char path[4096];
				FILE *f;

				base = base ? base + 1 : files[i];
				snprintf(path, sizeof path, "%s/%s", outdir, base);
				fflush(out);
				if ((f = fopen(path, "wb")) == NULL ||
				    fwrite(obuf, 1, olen, f) != olen ||
				    fwrite(msg, 1, len, f) != len || fclose(f) != 0) {
					fprintf(err, "opendkim-peer: cannot write %s\n", path);
					rc = 2;
				}
				fclose(out);	/* the record's STDOUT field stays empty */
				free(obuf);
				obuf = NULL;
				olen = 0;
				out = open_memstream(&obuf, &olen);
			}
		}
		fclose(out);
		fclose(err);
		printf("%d\t%s\t", rc, files[i]);
		put_field(obuf, olen);
		putchar('\t');
		put_field(ebuf, elen);
		putchar('\n');
		free(obuf);
		free(ebuf);
		free(msg);
	}
	free(key);
	return 0;
}

int main(int ac, char **av)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	int rc;

	if (lib == NULL)
		return 2;
	add_libflags(lib, DKIM_LIBFLAGS_FIXCRLF);
	if (ac == 8 && strcmp(av[1], "sign") == 0)
		rc = do_sign(lib, av + 2);
	else if (ac == 3 && strcmp(av[1], "verify") == 0)
		rc = do_verify(lib, av + 2);
	else if (ac >= 9 && strcmp(av[1], "sign-batch") == 0)
		rc = do_batch(lib, av + 2, av[8], av + 9, ac - 9);
	else if (ac >= 3 && strcmp(av[1], "verify-batch") == 0) {
		verify_setup(lib, av[2]);
		rc = do_batch(lib, NULL, NULL, av + 3, ac - 3);
	} else {
		fprintf(stderr, "usage: %s sign KEYFILE DOMAIN SELECTOR HC BC ALGO"
		        " | verify KEYSFILE"
		        " | sign-batch KEYFILE DOMAIN SELECTOR HC BC ALGO OUTDIR FILE..."
		        " | verify-batch KEYSFILE FILE...\n", av[0]);
		rc = 2;
	}
	fflush(stdout);
	dkim_close(lib);
	return rc;
}
