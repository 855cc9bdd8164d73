/* SPDX-License-Identifier: MIT */
#ifndef MHV_CORE_HOST_VERSION_H
#define MHV_CORE_HOST_VERSION_H

#define MHV_VERSION "0.1.0"

#endif
