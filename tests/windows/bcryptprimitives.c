/* A stand-in for Windows' bcryptprimitives.dll, for scripts/windows-test.sh only; never shipped.
 *
 * Rust's standard library (1.78 and later) takes its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every supported Windows has but Debian 12's Wine 8 does not: there
 * every Rust .exe stops before main ("bcryptprimitives.dll not found", exit 53). Wine 9 ships
 * the DLL, and the script then uses Wine's own. This one passes the call to BCryptGenRandom,
 * which Wine does have. Built with Debian's mingw:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -lbcrypt
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) < 0)
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
