/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ballast-error.h"

G_DEFINE_QUARK (ballast-error-quark, ballast_error)
