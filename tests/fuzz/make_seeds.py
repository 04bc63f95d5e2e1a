#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz targets.

    python3 tests/fuzz/make_seeds.py [tests/testdata/corpus]

Seeds are small on purpose (the Go fixtures are megabytes and are built at
test time; the replay tests add them as extra inputs):

  elf/       minimal ELF64/ELF32 executables (sections, symbols, .eh_frame, a dynamic
             table with DT_NEEDED and RELATIVE relocations, no sections),
             the Go-shaped ELFs below, and broken ones: truncated at every
             header boundary, e_phoff/e_shoff past the end, bad e_shstrndx,
             extended numbering, big-endian, unsupported e_machine.
  pclntab/   one synthetic pclntab per layout (Go 1.2, 1.16, 1.18, 1.20) and
             pointer size, two functions with pcsp/pcfile/pcln tables (the
             same shape as gosym/pclntab_test.cc BuildTable).
  pipeline/  Go-shaped ELFs for amd64, arm64 and 386: a .text with a
             constant syscall, a wrapper taking the number in a register,
             calls to it, a number loaded from a read-only global, plus
             .gopclntab (Go 1.18 layout) and .go.buildinfo.
  x86_64/, arm64/  the instruction bytes of src/go2seccomp/disasm/testdata
             as short code runs.
  oci_json/  profiles of the shapes profile/oci_json.h reads, and broken ones.

Crashers found by fuzzing are added next to these by hand (named
crash-<what>), never regenerated; this script only (re)writes seed-*.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------
# pclntab

def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def pcvalues(runs, quantum):
    """(value, pc length) runs -> Go pc-value table (zig-zag deltas from -1)."""
    out = bytearray()
    prev = -1
    for value, length in runs:
        d = value - prev
        out += uvarint(((d << 1) ^ (d >> 31)) & 0xFFFFFFFF)
        out += uvarint(length // quantum)
        prev = value
    out.append(0)
    return bytes(out)


class Buf:
    def __init__(self, ptr):
        self.ptr = ptr
        self.b = bytearray()

    def u8(self, v):
        self.b += struct.pack("<B", v)

    def u32(self, v):
        self.b += struct.pack("<I", v & 0xFFFFFFFF)

    def word(self, v):
        self.b += struct.pack("<Q" if self.ptr == 8 else "<I", v)

    def raw(self, data):
        self.b += data

    def s(self, text):
        self.b += text.encode() + b"\0"

    def align(self, n):
        while len(self.b) % n:
            self.b.append(0)

    def put_u32(self, at, v):
        struct.pack_into("<I", self.b, at, v & 0xFFFFFFFF)

    def put_word(self, at, v):
        struct.pack_into("<Q" if self.ptr == 8 else "<I", self.b, at, v)

    def __len__(self):
        return len(self.b)


MAGIC = {"12": 0xFFFFFFFB, "116": 0xFFFFFFFA, "118": 0xFFFFFFF0, "120": 0xFFFFFFF1}


def build_pclntab(version, ptr, funcs, text_start, quantum=1):
    """funcs: [(name, entry, size, file, [(line, len)...], [(sp, len)...])].

    Returns the table bytes; entries are absolute before 1.18 and offsets
    from text_start since (written into the header's textStart word)."""
    w = Buf(ptr)
    k12 = version == "12"
    off18 = version in ("118", "120")
    fs = 4 if off18 else ptr
    files = []
    for f in funcs:
        if f[3] not in files:
            files.append(f[3])
    w.u32(MAGIC[version])
    w.u8(0)
    w.u8(0)
    w.u8(quantum)
    w.u8(ptr)
    end_pc = funcs[-1][1] + funcs[-1][2]

    def func_record(buf, entry, name_off, pcsp, pcfile, pcln, args=16):
        if off18:
            buf.u32(entry - text_start)
        else:
            buf.word(entry)
        buf.u32(name_off)
        buf.u32(args)
        buf.u32(0)  # deferreturn
        buf.u32(pcsp)
        buf.u32(pcfile)
        buf.u32(pcln)
        buf.u32(0)  # npcdata
        if k12:
            buf.u32(0)
            return
        buf.u32(0)  # cuOffset: one unit at cutab[0]
        if version == "120":
            buf.u32(0)  # startLine
        buf.u32(0)  # funcID, flag, pad, nfuncdata

    if k12:
        w.word(len(funcs))
        functab = len(w)
        for _ in range(2 * len(funcs) + 1):
            w.word(0)
        fileoff_at = len(w)
        w.u32(0)
        w.align(ptr)
        rec_at = []
        for f in funcs:
            rec_at.append(len(w))
            func_record(w, f[1], 0, 0, 0, 0)
        name_at = []
        for f in funcs:
            name_at.append(len(w))
            w.s(f[0])
        tabs = []
        for f in funcs:
            # Go 1.2 numbers files from 1 in the global filetab.
            fno = files.index(f[3]) + 1
            t = []
            for data in (pcvalues(f[5], quantum) if f[5] else None,
                         pcvalues([(fno, f[2])], quantum),
                         pcvalues(f[4], quantum)):
                if data is None:
                    t.append(0)
                else:
                    t.append(len(w))
                    w.raw(data)
            tabs.append(t)
        w.align(4)
        filetab = len(w)
        w.u32(len(files) + 1)
        for _ in files:
            w.u32(0)
        for i, name in enumerate(files):
            w.put_u32(filetab + 4 + 4 * i, len(w))
            w.s(name)
        w.put_u32(fileoff_at, filetab)
        for i, f in enumerate(funcs):
            w.put_word(functab + 2 * i * ptr, f[1])
            w.put_word(functab + (2 * i + 1) * ptr, rec_at[i])
            r = rec_at[i] + ptr
            w.put_u32(r + 0, name_at[i])
            w.put_u32(r + 12, tabs[i][0])
            w.put_u32(r + 16, tabs[i][1])
            w.put_u32(r + 20, tabs[i][2])
        w.put_word(functab + 2 * len(funcs) * ptr, end_pc)
        return bytes(w.b)

    nwords = 8 if off18 else 7
    header = len(w)
    for _ in range(nwords):
        w.word(0)
    funcnametab = len(w)
    name_off = []
    for f in funcs:
        name_off.append(len(w) - funcnametab)
        w.s(f[0])
    cutab = len(w)
    for _ in files:
        w.u32(0)
    filetab = len(w)
    for i, name in enumerate(files):
        w.put_u32(cutab + 4 * i, len(w) - filetab)
        w.s(name)
    pctab = len(w)
    w.u8(0)  # offset 0 means "no table"
    tabs = []
    for f in funcs:
        fno = files.index(f[3])
        t = []
        for data in (pcvalues(f[5], quantum) if f[5] else None,
                     pcvalues([(fno, f[2])], quantum),
                     pcvalues(f[4], quantum)):
            if data is None:
                t.append(0)
            else:
                t.append(len(w) - pctab)
                w.raw(data)
        tabs.append(t)
    w.align(ptr)
    pcln = len(w)
    field = (lambda b, v: b.u32(v)) if fs == 4 else (lambda b, v: b.word(v))
    for _ in range(2 * len(funcs) + 1):
        field(w, 0)
    w.align(ptr)
    rec_at = []
    for i, f in enumerate(funcs):
        rec_at.append(len(w) - pcln)
        func_record(w, f[1], name_off[i], *tabs[i])

    def put_field(at, v):
        if fs == 4:
            w.put_u32(at, v)
        else:
            w.put_word(at, v)

    for i, f in enumerate(funcs):
        put_field(pcln + 2 * i * fs, f[1] - text_start if off18 else f[1])
        put_field(pcln + (2 * i + 1) * fs, rec_at[i])
    put_field(pcln + 2 * len(funcs) * fs, end_pc - text_start if off18 else end_pc)
    words = [len(funcs), len(files)]
    if off18:
        words.append(text_start)
    words += [funcnametab, cutab, filetab, pctab, pcln]
    for i, v in enumerate(words):
        w.put_word(header + i * ptr, v)
    return bytes(w.b)


SIMPLE_FUNCS = [
    ("main.f", 0x1000, 0x20, "a.go", [(10, 0x10), (11, 0x10)], [(0, 4), (8, 0x1C)]),
    ("main.g", 0x1020, 0x10, "b.go", [(20, 0x10)], None),
]


# ---------------------------------------------------------------------------
# ELF

EM = {"x86_64": 62, "arm64": 183, "i386": 3, "arm": 40, "riscv": 243}


class Sec:
    def __init__(self, name, type_, flags=0, addr=0, data=b"", link=0, info=0,
                 align=1, entsize=0, nobits_size=0):
        self.name, self.type, self.flags, self.addr = name, type_, flags, addr
        self.data, self.link, self.info = data, link, info
        self.align, self.entsize, self.nobits_size = align, entsize, nobits_size
        self.offset = 0


SHF_W, SHF_A, SHF_X = 1, 2, 4
PF_X, PF_W, PF_R = 1, 2, 4


def build_elf(machine, cls, secs, entry=0, etype=2, extra_phdrs=(),
              with_sections=True):
    """Lays out SHF_ALLOC sections back to back (16-byte aligned; the file
    offset need not be congruent to the address for our reader, which keeps
    seeds small), one PT_LOAD per allocated section (flags from its SHF_*),
    then non-alloc sections,
    the section name table and the section headers. extra_phdrs:
    [(p_type, section name, flags)] mapped onto a section's range."""
    is64 = cls == 64
    ehsize, phsize, shsize = (64, 56, 64) if is64 else (52, 32, 40)
    alloc = [s for s in secs if s.flags & SHF_A]
    nph = len(alloc) + len(extra_phdrs)
    hdr_end = ehsize + nph * phsize
    img = bytearray(hdr_end)
    for s in alloc:
        off = (len(img) + 15) & ~15
        img += b"\0" * (off - len(img))
        s.offset = off
        if s.type != 8:
            img += s.data
    shstr = bytearray(b"\0")
    names = {}
    for s in secs + [Sec(".shstrtab", 3)]:
        names[s.name] = len(shstr)
        shstr += s.name.encode() + b"\0"
    for s in secs:
        if s.flags & SHF_A:
            continue
        s.offset = len(img)
        img += s.data
    shstr_off = len(img)
    img += shstr
    while len(img) % 8:
        img.append(0)
    shoff = len(img) if with_sections else 0
    allsecs = [None] + secs + [Sec(".shstrtab", 3)]
    allsecs[-1].offset = shstr_off
    allsecs[-1].data = bytes(shstr)
    if with_sections:
        for s in allsecs:
            if s is None:
                img += b"\0" * shsize
                continue
            size = s.nobits_size if s.type == 8 else len(s.data)
            if is64:
                img += struct.pack("<IIQQQQIIQQ", names[s.name], s.type, s.flags,
                                   s.addr, s.offset, size, s.link, s.info,
                                   s.align, s.entsize)
            else:
                img += struct.pack("<IIIIIIIIII", names[s.name], s.type, s.flags,
                                   s.addr, s.offset, size, s.link, s.info,
                                   s.align, s.entsize)
    phdrs = []
    for s in alloc:
        flags = PF_R | (PF_W if s.flags & SHF_W else 0) | (PF_X if s.flags & SHF_X else 0)
        filesz = 0 if s.type == 8 else len(s.data)
        memsz = s.nobits_size if s.type == 8 else len(s.data)
        phdrs.append((1, flags, s.offset, s.addr, filesz, memsz, 0x1000))
    by_name = {s.name: s for s in secs}
    for p_type, name, flags in extra_phdrs:
        s = by_name[name]
        phdrs.append((p_type, flags, s.offset, s.addr, len(s.data), len(s.data), 8))
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1, 0]) + b"\0" * 8
    shnum = len(allsecs) if with_sections else 0
    shstrndx = len(allsecs) - 1 if with_sections else 0
    if is64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, entry,
                                 ehsize, shoff, 0, ehsize, phsize, nph, shsize,
                                 shnum, shstrndx)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", etype, machine, 1, entry,
                                 ehsize, shoff, 0, ehsize, phsize, nph, shsize,
                                 shnum, shstrndx)
    img[0:ehsize] = eh
    for i, p in enumerate(phdrs):
        t, fl, off, va, fsz, msz, al = p
        at = ehsize + i * phsize
        if is64:
            img[at:at + phsize] = struct.pack("<IIQQQQQQ", t, fl, off, va, va, fsz, msz, al)
        else:
            img[at:at + phsize] = struct.pack("<IIIIIIII", t, off, va, va, fsz, msz, fl, al)
    return bytes(img)


def symtab(cls, syms, strtab_names):
    """syms: [(name, value, size, type)] -> (symtab bytes, strtab bytes)."""
    strtab = bytearray(b"\0")
    out = bytearray(24 if cls == 64 else 16)
    for name, value, size, typ in syms:
        off = len(strtab)
        strtab += name.encode() + b"\0"
        info = (1 << 4) | typ  # STB_GLOBAL
        if cls == 64:
            out += struct.pack("<IBBHQQ", off, info, 0, 1, value, size)
        else:
            out += struct.pack("<IIIBBH", off, value, size, info, 0, 1)
    return bytes(out), bytes(strtab)


def buildinfo_blob(ptr, version="go1.19.8", modinfo=""):
    """Go 1.18+ .go.buildinfo: header then inline uvarint-prefixed strings."""
    b = bytearray(b"\xff Go buildinf:")
    b.append(ptr)
    b.append(2)  # flags: strings inline, little-endian
    b += b"\0" * 16
    for s in (version, modinfo):
        b += uvarint(len(s)) + s.encode()
    while len(b) % 16:
        b.append(0)
    return bytes(b)


def sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def eh_frame(vaddr, funcs):
    """An .eh_frame (LSB "Exception Frames") at vaddr: one CIE with
    augmentation "zR" and FDE encoding pcrel|sdata4 (what GCC emits), one FDE
    per (begin, size), then the zero terminator."""
    cie_body = struct.pack("<I", 0) + b"\x01" + b"zR\0" + uvarint(1) + sleb(-8) + \
        uvarint(16) + uvarint(1) + b"\x1b" + b"\x0c\x07\x08\x90\x01"
    while (len(cie_body) + 4) % 8:
        cie_body += b"\0"  # DW_CFA_nop
    out = bytearray(struct.pack("<I", len(cie_body)) + cie_body)
    for begin, size in funcs:
        at = len(out)
        body = bytearray(struct.pack("<I", at + 4))  # back to the CIE
        pc_field = vaddr + at + 8
        body += struct.pack("<iI", begin - pc_field, size) + uvarint(0)
        body += b"\x0e\x10"  # DW_CFA_def_cfa_offset 16
        while (len(body) + 4) % 8:
            body += b"\0"
        out += struct.pack("<I", len(body)) + body
    out += struct.pack("<I", 0)
    return bytes(out)


def minimal_elf(machine="x86_64", cls=64, with_sections=True, etype=2):
    text = b"\x90" * 15 + b"\xc3" if machine in ("x86_64", "i386") else b"\x1f\x20\x03\xd5" * 3 + b"\xc0\x03\x5f\xd6"
    syms, strs = symtab(cls, [("main.main", 0x401000, len(text), 2),
                              ("runtime.text", 0x401000, 0, 2)], None)
    secs = [
        Sec(".text", 1, SHF_A | SHF_X, 0x401000, text, align=16),
        Sec(".rodata", 1, SHF_A, 0x402000, b"hello\0world\0", align=8),
        Sec(".eh_frame", 1, SHF_A, 0x402100,
            eh_frame(0x402100, [(0x401000, 8), (0x401008, len(text) - 8)]), align=8),
        Sec(".bss", 8, SHF_A | SHF_W, 0x403000, nobits_size=0x100),
        Sec(".symtab", 2, 0, 0, syms, link=6, info=1, align=8, entsize=24 if cls == 64 else 16),
        Sec(".strtab", 3, 0, 0, strs),
    ]
    return build_elf(EM[machine], cls, secs, entry=0x401000, etype=etype,
                     with_sections=with_sections)


def dynamic_elf():
    """ET_DYN with PT_INTERP, PT_DYNAMIC, DT_NEEDED and RELA relatives."""
    interp = b"/lib64/ld-linux-x86-64.so.2\0"
    dynstr = b"\0libc.so.6\0puts\0"
    dynsym = bytearray(24) + struct.pack("<IBBHQQ", 11, 0x12, 0, 0, 0, 0)
    data = struct.pack("<QQ", 0, 0)
    rela = struct.pack("<QQq", 0x3000, 8, 0x1000) + struct.pack("<QQq", 0x3008, 8, 0x1010) + \
        struct.pack("<QQq", 0x3008, (1 << 32) | 6, 0)
    dyn = b"".join(struct.pack("<qQ", t, v) for t, v in [
        (1, 1), (5, 0x2100), (10, len(dynstr)), (6, 0x2200), (11, 24),
        (7, 0x2300), (8, len(rela)), (9, 24), (0, 0)])
    secs = [
        Sec(".interp", 1, SHF_A, 0x2000, interp),
        Sec(".dynstr", 3, SHF_A, 0x2100, dynstr),
        Sec(".dynsym", 11, SHF_A, 0x2200, bytes(dynsym), link=2, info=1, entsize=24),
        Sec(".rela.dyn", 4, SHF_A, 0x2300, rela, link=3, entsize=24),
        Sec(".text", 1, SHF_A | SHF_X, 0x2800, b"\x90\xc3"),
        Sec(".data", 1, SHF_A | SHF_W, 0x3000, data),
        Sec(".dynamic", 6, SHF_A | SHF_W, 0x3100, dyn, link=2, entsize=16),
    ]
    return build_elf(EM["x86_64"], 64, secs, entry=0x2800, etype=3,
                     extra_phdrs=[(3, ".interp", PF_R), (2, ".dynamic", PF_R | PF_W)])


def x86_code():
    """Go 1.18 amd64 shapes (register ABI): a wrapper that takes the number
    in AX, constant and global-loaded numbers, a direct call and a tail jump."""
    T = 0x401000
    c = bytearray()
    # main.main @T: MOVL $39, AX; SYSCALL; MOVL $1, AX; CALL wrap; JMP tail; RET
    c += b"\xb8\x27\x00\x00\x00" + b"\x0f\x05"
    c += b"\xb8\x01\x00\x00\x00"
    call_at = len(c)
    c += b"\xe8\x00\x00\x00\x00"
    jmp_at = len(c)
    c += b"\xe9\x00\x00\x00\x00"
    c += b"\xc3"
    while len(c) < 0x40:
        c += b"\xcc"
    wrap = len(c)  # syscall.Syscall @T+0x40: MOVQ AX, R8 ; MOVQ R8, AX ; SYSCALL ; RET
    c += b"\x49\x89\xc0" + b"\x4c\x89\xc0" + b"\x0f\x05" + b"\xc3"
    while len(c) < 0x60:
        c += b"\xcc"
    tail = len(c)  # main.tail @T+0x60: MOVQ glob(RIP), AX ; SYSCALL ; MOVL $60, AX ; JMP wrap
    c += b"\x48\x8b\x05\x00\x00\x00\x00"
    rip_at = len(c)
    c += b"\x0f\x05" + b"\xb8\x3c\x00\x00\x00"
    tj = len(c)
    c += b"\xe9\x00\x00\x00\x00"
    while len(c) < 0x80:
        c += b"\xcc"
    struct.pack_into("<i", c, call_at + 1, wrap - (call_at + 5))
    struct.pack_into("<i", c, jmp_at + 1, tail - (jmp_at + 5))
    struct.pack_into("<i", c, tj + 1, wrap - (tj + 5))
    glob = 0x402000
    struct.pack_into("<i", c, rip_at - 4, glob - (T + rip_at))
    funcs = [("main.main", T, 0x40), ("syscall.Syscall", T + 0x40, 0x20),
             ("main.tail", T + 0x60, 0x20)]
    return bytes(c), funcs, glob


def arm64_code():
    T = 0x401000
    ins = []
    # main.main: MOVZ X8,#93; SVC #0; MOVZ X0,#64; BL wrap; B tail; RET
    ins += [0xD2800BA8, 0xD4000001, 0xD2800800]
    bl_at = len(ins)
    ins += [0x94000000, 0x14000000, 0xD65F03C0]
    while len(ins) < 16:
        ins.append(0xD503201F)
    wrap = len(ins)  # syscall.Syscall: MOV X8, X0 ; SVC #0 ; RET
    ins += [0xAA0003E8, 0xD4000001, 0xD65F03C0]
    while len(ins) < 24:
        ins.append(0xD503201F)
    tail = len(ins)  # main.tail: ADRP X1, glob ; LDR X8, [X1] ; SVC #0 ; B wrap
    ins += [0x90000001, 0xF9400028, 0xD4000001, 0x14000000]
    while len(ins) < 32:
        ins.append(0xD503201F)
    ins[bl_at] = 0x94000000 | ((wrap - bl_at) & 0x3FFFFFF)
    ins[bl_at + 1] = 0x14000000 | ((tail - bl_at - 1) & 0x3FFFFFF)
    ins[tail + 3] = 0x14000000 | ((wrap - tail - 3) & 0x3FFFFFF)
    glob = 0x402000
    page_delta = (glob >> 12) - ((T + 4 * tail) >> 12)
    ins[tail] = 0x90000001 | ((page_delta & 3) << 29) | (((page_delta >> 2) & 0x7FFFF) << 5)
    code = b"".join(struct.pack("<I", i) for i in ins)
    funcs = [("main.main", T, 0x40), ("syscall.Syscall", T + 0x40, 0x20),
             ("main.tail", T + 0x60, 0x20)]
    return code, funcs, glob


def go_elf(arch, version="118", with_buildinfo=True, pclntab_section=True):
    if arch in ("x86_64", "i386"):
        code, funcs, glob = x86_code()
        quantum = 1
    else:
        code, funcs, glob = arm64_code()
        quantum = 4
    cls = 32 if arch == "i386" else 64
    ptr = cls // 8
    T = 0x401000
    pfuncs = [(n, e, s, "/src/main.go", [(10 + i, s)], [(0, s)]) for i, (n, e, s) in enumerate(funcs)]
    tab = build_pclntab(version, ptr, pfuncs, T, quantum)
    syms, strs = symtab(cls, [(n, e, s, 2) for n, e, s in funcs] + [("runtime.text", T, 0, 2)], None)
    secs = [
        Sec(".text", 1, SHF_A | SHF_X, T, code, align=16),
        Sec(".rodata", 1, SHF_A, glob, struct.pack("<Q", 231) + b"go1.19.8\0", align=8),
        Sec(".gopclntab" if pclntab_section else ".rodata.x", 1, SHF_A, 0x403000, tab, align=8),
    ]
    if with_buildinfo:
        secs.append(Sec(".go.buildinfo", 1, SHF_A | SHF_W, 0x404000, buildinfo_blob(ptr), align=16))
    secs.append(Sec(".noptrdata", 1, SHF_A | SHF_W, 0x405000, struct.pack("<Q", 0x401000), align=8))
    n = len(secs)
    secs.append(Sec(".symtab", 2, 0, 0, syms, link=n + 2, info=1, align=8,
                    entsize=24 if cls == 64 else 16))
    secs.append(Sec(".strtab", 3, 0, 0, strs))
    return build_elf(EM[arch], cls, secs, entry=T)


# ---------------------------------------------------------------------------
# broken ELFs

def patched(img, at, fmt, value):
    b = bytearray(img)
    struct.pack_into(fmt, b, at, value)
    return bytes(b)


def elf_seeds():
    out = {}
    m64 = minimal_elf()
    out["seed-min64-x86_64"] = m64
    out["seed-min64-arm64"] = minimal_elf("arm64")
    out["seed-min32-i386"] = minimal_elf("i386", 32)
    out["seed-min32-arm"] = minimal_elf("arm", 32)
    out["seed-min64-nosections"] = minimal_elf(with_sections=False)
    out["seed-dynamic-pie"] = dynamic_elf()
    out["seed-go-amd64"] = go_elf("x86_64")
    out["seed-go-arm64"] = go_elf("arm64")
    out["seed-go-amd64-scan"] = go_elf("x86_64", pclntab_section=False)
    for cut in (0, 3, 4, 15, 16, 40, 63, 64, 64 + 56, len(m64) // 2, len(m64) - 1):
        out[f"seed-trunc-{cut}"] = m64[:cut]
    out["seed-phoff-past-end"] = patched(m64, 32, "<Q", 0xFFFFFFFFFFFFFF00)
    out["seed-shoff-past-end"] = patched(m64, 40, "<Q", len(m64) + 8)
    out["seed-shstrndx-out-of-range"] = patched(m64, 62, "<H", 200)
    out["seed-shnum-xindex"] = patched(patched(m64, 60, "<H", 0), 62, "<H", 0xFFFF)
    out["seed-phnum-xnum"] = patched(m64, 56, "<H", 0xFFFF)
    out["seed-bigendian"] = patched(m64, 5, "<B", 2)
    out["seed-class-none"] = patched(m64, 4, "<B", 0)
    out["seed-riscv"] = patched(m64, 18, "<H", EM["riscv"])
    out["seed-not-elf"] = b"#!/bin/sh\necho this is not an ELF file\n"
    return out


def pclntab_seeds():
    out = {}
    for v in ("12", "116", "118", "120"):
        for ptr in (4, 8):
            out[f"seed-go{v}-ptr{ptr}"] = build_pclntab(v, ptr, SIMPLE_FUNCS, 0x1000)
    out["seed-go118-arm64-quantum4"] = build_pclntab(
        "118", 8, [("main.f", 0x1000, 0x20, "a.go", [(3, 0x20)], [(0, 4), (16, 0x1C)])],
        0x1000, 4)
    t = build_pclntab("118", 8, SIMPLE_FUNCS, 0x1000)
    out["seed-go118-truncated-header"] = t[:20]
    out["seed-go118-nfunc-huge"] = patched(t, 8, "<Q", 1 << 40)
    out["seed-go118-pcln-offset-past-end"] = patched(t, 8 + 7 * 8, "<Q", len(t) + 100)
    return out


def pipeline_seeds():
    out = {}
    out["seed-go118-amd64"] = go_elf("x86_64")
    out["seed-go120-amd64"] = go_elf("x86_64", "120")
    out["seed-go116-amd64"] = go_elf("x86_64", "116", with_buildinfo=False)
    out["seed-go118-arm64"] = go_elf("arm64")
    out["seed-go118-386"] = go_elf("i386")
    out["seed-go118-amd64-magic-scan"] = go_elf("x86_64", pclntab_section=False)
    out["seed-not-go"] = minimal_elf()
    return out


def decoder_seeds(arch):
    path = os.path.join(ROOT, "src/go2seccomp/disasm/testdata", f"{arch}.txt")
    chunks, cur = [], bytearray()
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "|" not in line:
                if cur:
                    chunks.append(bytes(cur))
                    cur = bytearray()
                continue
            hexpart = line.split("|", 1)[0]
            if ":" in hexpart:
                hexpart = hexpart.split(":", 1)[1]
            try:
                cur += bytes.fromhex(hexpart)
            except ValueError:
                continue
    if cur:
        chunks.append(bytes(cur))
    return {f"seed-{i:02d}": c for i, c in enumerate(chunks) if c}


OCI = {
    "seed-docker-shape": """{
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
         "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
         "includes": {"minKernel": "4.8", "arches": ["amd64", "arm64"]}, "comment": "x"}
    ]
}
""",
    "seed-archmap": """{
  "defaultAction": "SCMP_ACT_KILL_PROCESS",
  "archMap": [
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
  ],
  "syscalls": [{"name": "openat", "action": "SCMP_ACT_LOG"},
               {"names": ["arm_fadvise64_64", "_llseek"], "action": "SCMP_ACT_ALLOW"}]
}
""",
    "seed-oci-config": """{"ociVersion": "1.0.2", "linux": {"seccomp": {
  "defaultAction": "SCMP_ACT_TRAP", "architectures": ["SCMP_ARCH_AARCH64"],
  "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/x.sock",
  "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_TRACE", "errnoRet": 5}]}}}
""",
    "seed-minimal": '{"defaultAction": "SCMP_ACT_ALLOW"}\n',
    "seed-unknown-name": '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["no_such_syscall"], "action": "SCMP_ACT_ALLOW"}]}\n',
    "seed-unknown-action": '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]}\n',
    "seed-errno-too-big": '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}\n',
    "seed-syntax-error": '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [\n',
    "seed-not-object": '[1, 2, "x", null, true, 1e300]\n',
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests/testdata/corpus")
    sets = {
        "elf": elf_seeds(),
        "pclntab": pclntab_seeds(),
        "pipeline": pipeline_seeds(),
        "x86_64": decoder_seeds("x86_64"),
        "arm64": decoder_seeds("arm64"),
        "oci_json": {k: v.encode() for k, v in OCI.items()},
    }
    oci_src = os.path.join(ROOT, "src/go2seccomp/profile/testdata/docker_default_like.json")
    with open(oci_src, "rb") as f:
        sets["oci_json"]["seed-docker-default-like"] = f.read()
    for target, files in sets.items():
        d = os.path.join(out_dir, target)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            if name.startswith("seed-"):
                os.remove(os.path.join(d, name))
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()
