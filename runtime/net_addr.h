/* net_addr.h - "HOST:PORT" as a socket address and back, for the tcp and
 * udp sources (net.h) and the tcp sink (net_sink.h). */
#ifndef RGP_NET_ADDR_H
#define RGP_NET_ADDR_H

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* "HOST:PORT" (HOST a name, an IPv4 address, [IPv6], or empty for every
 * address of a listener) as a socket address. 0, or -1 with err set. */
static inline int rgp_net_resolve(const char *hostport, int socktype, int passive, struct sockaddr_storage *sa,
                                  socklen_t *len, char *err, size_t cap)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon) {
        snprintf(err, cap, "expected HOST:PORT");
        return -1;
    }
    const char *h = hostport;
    size_t hl = (size_t)(colon - hostport);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') h++, hl -= 2;
    char host[256];
    if (hl >= sizeof host) {
        snprintf(err, cap, "the host name is too long");
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    int rc = getaddrinfo(hl ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, cap, "%s", rc ? gai_strerror(rc) : "no address");
        return -1;
    }
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* "1.2.3.4:5678" or "[::1]:5678" into out. */
static inline void rgp_net_addr_text(const struct sockaddr_storage *sa, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(out, cap, "[%s]:%u", ip, (unsigned)ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(out, cap, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
    }
}

#endif
