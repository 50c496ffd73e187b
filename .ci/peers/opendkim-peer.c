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
 * The message must use CRLF line endings (the wrappers convert LF first):
 * fed bare LF, libopendkim computes a different body hash (LF is not treated
 * as a line ending), so its signatures fail elsewhere and it fails
 * LF-converted messages signed elsewhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/types.h>
#include <opendkim/dkim.h>

static unsigned char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	FILE *f = fdopen(fd, "rb");
	size_t r;
	if (buf == NULL || f == NULL)
		exit(2);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			exit(2);
	}
	*len = n;
	return buf;
}

static unsigned char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	return slurp(fileno(f), len);
}

static int die_stat(DKIM *d, const char *what, DKIM_STAT st)
{
	fprintf(stderr, "opendkim-peer: %s: %s (%s)\n", what,
	        dkim_getresultstr(st), d ? dkim_geterror(d) : "");
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

static int do_sign(DKIM_LIB *lib, char **av)
{
	size_t keylen, len;
	unsigned char *key = slurp_file(av[0], &keylen);
	unsigned char *msg = slurp(0, &len);
	dkim_canon_t hc, bc;
	dkim_alg_t alg;
	DKIM_STAT st;
	DKIM *d;
	unsigned char *hdr;
	size_t hlen;
	const char *oversign[] = { "from", NULL };

	key = realloc(key, keylen + 1);
	key[keylen] = '\0';
	hc = strcmp(av[3], "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	bc = strcmp(av[4], "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	if (strcmp(av[5], "rsa-sha256") == 0)
		alg = DKIM_SIGN_RSASHA256;
	else if (strcmp(av[5], "ed25519-sha256") == 0)
		alg = DKIM_SIGN_ED25519SHA256;
	else if (strcmp(av[5], "rsa-sha1") == 0)
		alg = DKIM_SIGN_RSASHA1;
	else {
		fprintf(stderr, "opendkim-peer: unknown algorithm %s\n", av[5]);
		return 2;
	}
	st = dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	                  oversign, sizeof(char **));
	if (st != DKIM_STAT_OK)
		return die_stat(NULL, "dkim_options(OVERSIGNHDRS)", st);

	d = dkim_sign(lib, (unsigned char *) "dkimctl-peer", NULL, key,
	              (unsigned char *) av[2], (unsigned char *) av[1],
	              hc, bc, alg, -1L, &st);
	if (d == NULL)
		return die_stat(NULL, "dkim_sign", st);
	if ((st = feed(d, msg, len)) != DKIM_STAT_OK)
		return die_stat(d, "dkim_chunk", st);
	if ((st = dkim_eom(d, NULL)) != DKIM_STAT_OK)
		return die_stat(d, "dkim_eom", st);
	st = dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &hdr, &hlen);
	if (st != DKIM_STAT_OK)
		return die_stat(d, "dkim_getsighdr_d", st);
	/* folded with CRLF for CRLF input (bare LF otherwise): force CRLF */
	fputs(DKIM_SIGNHEADER ": ", stdout);
	for (size_t i = 0; i < hlen; i++) {
		if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r'))
			putchar('\r');
		putchar(hdr[i]);
	}
	fputs("\r\n", stdout);
	dkim_free(d);
	return 0;
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

static int do_verify(DKIM_LIB *lib, char **av)
{
	size_t len;
	unsigned char *msg = slurp(0, &len);
	DKIM_STAT st;
	DKIM *d;
	DKIM_SIGINFO **sigs;
	int nsigs = 0, ok = 0;
	dkim_query_t qm = DKIM_QUERY_FILE;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;

	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qm, sizeof qm);
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, av[0], strlen(av[0]));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags);

	d = dkim_verify(lib, (unsigned char *) "dkimctl-peer", NULL, &st);
	if (d == NULL)
		return die_stat(NULL, "dkim_verify", st);
	st = feed(d, msg, len);
	if (st == DKIM_STAT_NOSIG) {
		fprintf(stderr, "opendkim-peer: no DKIM-Signature\n");
		return 1;
	}
	/* dkim_eom's own status only describes one signature; use the list */
	if (st == DKIM_STAT_OK)
		(void) dkim_eom(d, NULL);
	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		fprintf(stderr, "opendkim-peer: no DKIM-Signature (%s)\n",
		        dkim_geterror(d));
		return 1;
	}
	for (int i = 0; i < nsigs; i++) {
		const char *r = classify(sigs[i]);
		const unsigned char *dom = dkim_sig_getdomain(sigs[i]);
		const unsigned char *sel = dkim_sig_getselector(sigs[i]);
		printf("%s d=%s s=%s\n", r, dom ? (char *) dom : "",
		       sel ? (char *) sel : "");
		if (strcmp(r, "pass") == 0)
			ok++;
		else
			fprintf(stderr, "opendkim-peer: sig %d: %s\n", i,
			        dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
	}
	dkim_free(d);
	return ok == nsigs ? 0 : 1;
}

int main(int ac, char **av)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	int rc;

	if (lib == NULL)
		return 2;
	if (ac == 8 && strcmp(av[1], "sign") == 0)
		rc = do_sign(lib, av + 2);
	else if (ac == 3 && strcmp(av[1], "verify") == 0)
		rc = do_verify(lib, av + 2);
	else {
		fprintf(stderr, "usage: %s sign KEYFILE DOMAIN SELECTOR HC BC ALGO"
		        " | verify KEYSFILE\n", av[0]);
		rc = 2;
	}
	fflush(stdout);
	dkim_close(lib);
	return rc;
}
