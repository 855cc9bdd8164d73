// SPDX-License-Identifier: MIT
/*
 * Which consoles the log goes to, and where the serial one is: serial=
 * on the command line, else the firmware's ACPI SPCR table, else COM1;
 * console= picks serial, screen or both (both, by default, when both
 * exist). Both consoles get the same bytes, so the screen shows exactly
 * the serial log.
 */
#include "core/host/console.h"
#include "core/host/acpi_find.h"
#include "core/host/log.h"
#include "core/host/memory.h"
#include "core/host/screen.h"
#include "core/host/serial.h"
#include "core/host/spcr.h"
#include "core/x86.h"
#include "lib/compiler.h"
#include "lib/fmt.h"

/* The boot page tables (boot/boot.asm) identity-map the low 4 GiB. */
#define BOOT_MAP_LIMIT (1ULL << 32)

static unsigned int active = CONSOLE_SERIAL | CONSOLE_SCREEN;
static bool screen_deferred;

static void put_both(char c)
{
	if (active & CONSOLE_SERIAL)
		serial_putc(c);
	if (active & CONSOLE_SCREEN)
		screen_putc(c);
}

/*
 * The serial port stopped answering (absent, or a UART the firmware named
 * that is not there): say so where the log is still seen, the screen. At a
 * line's end, so the notice does not split a line; written here, not
 * through log.c, whose lock the caller may hold.
 */
static void tell_serial_stall(void)
{
	char desc[80], line[160];

	serial_describe(serial_current(), desc, sizeof(desc));
	fmt_snprintf(line, sizeof(line),
		     "mhv: warning: serial: no answer from the UART at %s; "
		     "no longer waiting for it\n",
		     desc);
	for (const char *p = line; *p; p++)
		put_both(*p);
}

void console_putc(char c)
{
	put_both(c);
	if (c == '\n' && serial_take_stall())
		tell_serial_stall();
}

static bool below_boot_map(uint64_t pa, uint64_t len)
{
	return pa < BOOT_MAP_LIMIT && len <= BOOT_MAP_LIMIT - pa;
}

static const void *boot_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	return pa && below_boot_map(pa, len) ? (const void *)(uintptr_t)pa
					     : NULL;
}

/* The UART the firmware's SPCR names; false (and why, logged) if none. */
static bool serial_from_spcr(const struct boot_info *bi, struct uart_desc *d)
{
	const struct acpi_mem mem = {boot_map, NULL};
	const uint8_t *t;
	uint32_t len;
	char err[120];
	int r;

	if (!bi->rsdp)
		return false;
	r = acpi_find_table(&mem, bi->rsdp, bi->rsdp_len, "SPCR", &t, &len, err,
			    sizeof(err));
	if (r <= 0) {
		if (r < 0)
			pr_warn("serial: ACPI: %s; staying on COM1\n", err);
		return false;
	}
	r = spcr_parse(t, len, d, err, sizeof(err));
	if (r == 1)
		pr_info("serial: the ACPI SPCR table names no console UART\n");
	if (r)
		pr_warn("serial: %s; staying on COM1\n", err);
	if (!r && d->space == UART_MMIO && !below_boot_map(d->base, 32)) {
		pr_warn("serial: SPCR UART at %#lx lies above 4 GiB; staying "
			"on COM1\n",
			d->base);
		return false;
	}
	return r == 0;
}

static void setup_serial(const struct boot_info *bi,
			 const struct mhv_options *opt)
{
	struct uart_desc d = opt->serial;
	const char *from = "serial=";
	char desc[80];

	if (!opt->serial_given) {
		if (!serial_from_spcr(bi, &d))
			return;
		from = "the ACPI SPCR table";
	} else if (d.space == UART_MMIO && !below_boot_map(d.base, 32)) {
		pr_warn("serial: MMIO UART at %#lx lies above 4 GiB; staying "
			"on COM1\n",
			d.base);
		return;
	}
	if (serial_is_current(&d))
		return;
	serial_describe(&d, desc, sizeof(desc));
	pr_info("console: moving to %s (from %s)\n", desc, from);
	serial_init(&d);
}

/* Start the screen, or say why there is none. */
static bool start_screen(const struct boot_fb *fb)
{
	const char *why;
	char desc[96];

	if (screen_start(fb, &why)) {
		pr_info("screen: none: %s\n", why);
		return false;
	}
	screen_describe(desc, sizeof(desc));
	pr_info("screen: %s\n", desc);
	return true;
}

void console_setup(const struct boot_info *bi, const struct mhv_options *opt)
{
	unsigned int want =
		opt->console ? opt->console : CONSOLE_SERIAL | CONSOLE_SCREEN;
	const struct boot_fb *fb = &bi->fb;
	bool screen = false;

	setup_serial(bi, opt);
	if (!(want & CONSOLE_SCREEN)) {
		screen_stop();
		active &= ~CONSOLE_SCREEN;
		pr_info("screen: off (console=serial)\n");
	} else if (fb->type == BOOT_FB_NONE) {
		pr_info("screen: none: no framebuffer from the boot loader\n");
	} else if (fb->type == BOOT_FB_UNUSABLE) {
		pr_info("screen: none: %s\n", fb->problem);
	} else if (!below_boot_map(fb->addr,
				   (uint64_t)fb->pitch * fb->height)) {
		/* memory_init() maps it; until then the screen keeps text. */
		screen_deferred = screen = true;
	} else {
		screen = start_screen(fb);
	}
	if ((want & CONSOLE_SCREEN) && !screen) {
		screen_stop();
		active &= ~CONSOLE_SCREEN;
		if (!(want & CONSOLE_SERIAL))
			pr_warn("console=screen without a screen: the log "
				"stays "
				"on serial\n");
		return;
	}
	if (!(want & CONSOLE_SERIAL)) {
		pr_info("console: serial off (console=screen); the log "
			"continues on the screen\n");
		active &= ~CONSOLE_SERIAL;
	}
}

/* The framebuffer in the hypervisor's identity map, in 2 MiB pages. */
static int map_framebuffer(const struct boot_fb *fb)
{
	uint64_t end = ALIGN_UP(fb->addr + (uint64_t)fb->pitch * fb->height,
				PT_SIZE_2M);
	uint64_t pa, leaf;

	for (uint64_t at = ALIGN_DOWN(fb->addr, PT_SIZE_2M); at < end;
	     at += PT_SIZE_2M)
		if (pt_lookup(&host_pt, at, &pa, &leaf) &&
		    pt_map(&host_pt, at, at, PT_SIZE_2M, PT_SIZE_2M,
			   PTE_P | PTE_W))
			return -1;
	return 0;
}

/*
 * The framebuffer write-combining: the screen only ever stores to it, and
 * combined stores are what a linear framebuffer is built for. Through the
 * boot page tables it was write-back unless the MTRRs said otherwise.
 */
static void cache_framebuffer(const struct boot_fb *fb)
{
	int type = memory_set_cache(fb->addr, (uint64_t)fb->pitch * fb->height,
				    CACHE_WC);

	if (type < 0)
		pr_warn("screen: cannot change how the framebuffer is "
			"cached\n");
	else
		pr_info("screen: framebuffer mapped %s\n",
			memory_cache_name(type));
}

void console_late_setup(const struct boot_info *bi)
{
	const struct uart_desc *u = serial_current();

	/* Device registers are never cached, whatever the MTRRs hold. */
	if (u->space == UART_MMIO &&
	    memory_set_cache(u->base, 8ULL << u->reg_shift, CACHE_UC) < 0)
		pr_warn("serial: cannot map the UART's registers uncached\n");
	if (!screen_deferred) {
		if (active & CONSOLE_SCREEN)
			cache_framebuffer(&bi->fb);
		return;
	}
	screen_deferred = false;
	if (map_framebuffer(&bi->fb)) {
		pr_warn("screen: none: cannot map the framebuffer at %#lx\n",
			bi->fb.addr);
		screen_stop();
		active = (active & ~CONSOLE_SCREEN) | CONSOLE_SERIAL;
		return;
	}
	cache_framebuffer(&bi->fb);
	if (!start_screen(&bi->fb)) {
		active &= ~CONSOLE_SCREEN;
		/* The log must stay visible somewhere. */
		active |= CONSOLE_SERIAL;
	}
}
