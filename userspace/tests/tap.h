/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP output for the host unit tests; the runner numbers the lines. */
#ifndef TAP_H
#define TAP_H
#include <stdio.h>

static int tap_failed;

#define OK(cond, ...) do { \
	int tap_c_ = !!(cond); \
	if (tap_c_) { printf("ok - "); } else { printf("not ok - "); tap_failed++; } \
	printf(__VA_ARGS__); printf("\n"); fflush(stdout); \
	if (!tap_c_) { printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define SKIP(...) do { printf("ok - "); printf(__VA_ARGS__); printf(" # SKIP\n"); } while (0)
#endif
