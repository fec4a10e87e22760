/* fuzz_jpeg.c -- JPEG reader; see fuzz_image.inc. */
#include <math.h>
#include "fuzz_image.inc"
