/* fuzz_png.c -- PNG reader; see fuzz_image.inc. */
#include <math.h>
#include "fuzz_image.inc"
