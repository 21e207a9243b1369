#!/usr/bin/env bash
# A throw-away OpenLDAP server (Debian slapd) on loopback for the LDAP
# sign-in tests (tests/auth_ldap.rs), with TLS from a test CA. Idempotent:
# re-running when it is up only re-checks it; data is loaded only when missing.
#
# Usage: scripts/ldap.sh [start|stop|status]     (default: start)
# Env:   ZOE_LDAP_DIR (default /tmp/zoe-ldap): slapd.conf, data/, certs, slapd.log, env
#
# Listens on ldap://127.0.0.1:3890/ (StartTLS offered) and ldaps://127.0.0.1:6360/,
# with a server certificate for IP 127.0.0.1 signed by $ZOE_LDAP_DIR/ca.pem;
# $ZOE_LDAP_DIR/other-ca.pem is an unrelated CA (the "wrong CA" test).
# $ZOE_LDAP_DIR/env tells the tests the URIs, CA paths and DNs.
#
# Directory (suffix dc=example,dc=test), passwords are NAME-pw:
#   cn=zoe,dc=example,dc=test     the service account (zoe-bind-pw), may search
#   uid=ann  gidNumber 5000 (admin)      uid=uma   5001 (user)
#   uid=gus  gidNumber 5002 (guest)      uid=nora  6000 (no group)
#   uid=annex 5001 (makes wildcard matches on ann* meaningful)
#   uid=lou  5001, locked by the password policy (pwdAccountLockedTime)
#   posixGroups admins 5000 (ann), users 5001 (uma, annex), guests 5002 (gus)
#   groupOfNames cn=leads,ou=groups (member uid=gus): the group-DN mapping
set -euo pipefail

DIR="${ZOE_LDAP_DIR:-/tmp/zoe-ldap}"
PLAIN_PORT=3890
TLS_PORT=6360
URI="ldap://127.0.0.1:${PLAIN_PORT}/"
LDAPS="ldaps://127.0.0.1:${TLS_PORT}/"
SUFFIX="dc=example,dc=test"
ROOTDN="cn=admin,${SUFFIX}"
ROOTPW="adminpw"
PIDFILE="${DIR}/slapd.pid"

log() { echo "[ldap.sh] $*" >&2; }

# alive PID: not a zombie (a killed daemon lingers as one for a moment)
# shellcheck source=scripts/daemon-lib.sh
source "$(dirname "$0")/daemon-lib.sh"
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && alive "$pid" && echo "$pid"
}
# every client call is time-limited: a hung slapd still accepts TCP connections
lsearch() { timeout 10 ldapsearch -o nettimeout=3 -l 5 "$@"; }
answers() { timeout 2 ldapsearch -o nettimeout=1 -l 1 -x -H "$URI" -b "" -s base namingContexts >/dev/null 2>&1; }

cmd="${1:-start}"
case "$cmd" in
  stop)
    if pid="$(running_pid)"; then
      kill "$pid"; for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
      log "stopped slapd pid $pid"
    else log "not running"; fi
    exit 0 ;;
  status)
    if pid="$(running_pid)" && answers; then log "running pid $pid on $URI and $LDAPS"; exit 0; fi
    log "not running"; exit 1 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac

# 1. packages: slapd without an instance of the package's own, the clients, openssl
if [[ ! -x /usr/sbin/slapd ]] || ! command -v ldapsearch >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  log "installing slapd + ldap-utils + openssl"
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils openssl >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils openssl >/dev/null
  fi
fi
SLAPD=/usr/sbin/slapd
mkdir -p "$DIR/data"

# 2. certificates: a test CA, a server certificate for IP 127.0.0.1, an unrelated CA
if [[ ! -s "$DIR/server.pem" || ! -s "$DIR/other-ca.pem" ]]; then
  (
    cd "$DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=zoe test LDAP CA" \
      -keyout ca.key -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.pem >/dev/null 2>&1
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=unrelated CA" \
      -keyout other-ca.key -out other-ca.pem >/dev/null 2>&1
    chmod 600 ca.key server.key other-ca.key
  )
  log "made the test CA and server certificate in $DIR"
fi

# 3. config + start (only when not already up)
pid="$(running_pid || true)"
if [[ -n "$pid" ]]; then
  deadline=$((SECONDS + 5))
  until answers || (( SECONDS >= deadline )); do sleep 0.2; done
fi
if [[ -n "$pid" ]] && answers; then
  log "slapd already running (pid $pid)"
else
  if [[ -n "$pid" ]]; then
    log "slapd pid $pid does not answer; restarting it"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  cat > "$DIR/slapd.conf" <<CONF
include         /etc/ldap/schema/core.schema
include         /etc/ldap/schema/cosine.schema
include         /etc/ldap/schema/nis.schema
include         /etc/ldap/schema/inetorgperson.schema
pidfile         ${PIDFILE}
argsfile        ${DIR}/slapd.args
modulepath      /usr/lib/ldap
moduleload      back_mdb
moduleload      ppolicy
loglevel        stats
TLSCACertificateFile  ${DIR}/ca.pem
TLSCertificateFile    ${DIR}/server.pem
TLSCertificateKeyFile ${DIR}/server.key
database        mdb
maxsize         104857600
suffix          "${SUFFIX}"
rootdn          "${ROOTDN}"
rootpw          ${ROOTPW}
directory       ${DIR}/data
index           objectClass,uid,memberUid,cn eq
overlay         ppolicy
ppolicy_default "cn=default,ou=policies,${SUFFIX}"
ppolicy_use_lockout
access to attrs=userPassword
        by self write
        by anonymous auth
        by * none
access to *
        by dn.exact="cn=zoe,${SUFFIX}" read
        by * read
CONF
  "$SLAPD" -Tt -u -f "$DIR/slapd.conf" >/dev/null 2>&1 || { "$SLAPD" -Tt -u -f "$DIR/slapd.conf"; exit 1; }
  # "-d stats" keeps slapd in the foreground, logging to stderr: run it under nohup
  nohup "$SLAPD" -d stats -f "$DIR/slapd.conf" -h "$URI $LDAPS" >"$DIR/slapd.log" 2>&1 &
  deadline=$((SECONDS + 15))
  until answers || (( SECONDS >= deadline )); do sleep 0.1; done
  answers || { log "slapd did not come up; log:"; tail -20 "$DIR/slapd.log" >&2; exit 1; }
  log "slapd started (pid $(cat "$PIDFILE")) on $URI and $LDAPS"
fi

# 4. data (only when missing)
if lsearch -x -H "$URI" -b "cn=leads,ou=groups,${SUFFIX}" -s base dn >/dev/null 2>&1 &&
   lsearch -x -H "$URI" -b "uid=lou,ou=people,${SUFFIX}" -s base dn >/dev/null 2>&1; then
  log "data already present"
else
  person() { # uid gid
    cat <<LDIF
dn: uid=$1,ou=people,${SUFFIX}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: $1
cn: $1
sn: Test
uidNumber: $((20000 + $2 % 1000 + ${#1}))
gidNumber: $2
homeDirectory: /home/$1
loginShell: /bin/sh
userPassword: $(slappasswd -s "$1-pw")

LDIF
  }
  {
    cat <<LDIF
dn: ${SUFFIX}
objectClass: top
objectClass: dcObject
objectClass: organization
o: Zoe Test
dc: example

dn: ou=people,${SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${SUFFIX}
objectClass: organizationalUnit
ou: groups

dn: cn=zoe,${SUFFIX}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: zoe
userPassword: $(slappasswd -s zoe-bind-pw)

LDIF
    person ann 5000; person uma 5001; person gus 5002; person nora 6000; person annex 5001
    person lou 5001
    cat <<LDIF
dn: ou=policies,${SUFFIX}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,${SUFFIX}
objectClass: applicationProcess
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword
pwdLockout: TRUE
pwdMaxFailure: 0

LDIF
    cat <<LDIF
dn: cn=admins,ou=groups,${SUFFIX}
objectClass: posixGroup
cn: admins
gidNumber: 5000
memberUid: ann

dn: cn=users,ou=groups,${SUFFIX}
objectClass: posixGroup
cn: users
gidNumber: 5001
memberUid: uma
memberUid: annex

dn: cn=guests,ou=groups,${SUFFIX}
objectClass: posixGroup
cn: guests
gidNumber: 5002
memberUid: gus

dn: cn=leads,ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: leads
member: uid=gus,ou=people,${SUFFIX}
LDIF
  } > "$DIR/data.ldif"
  timeout 30 ldapadd -c -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -f "$DIR/data.ldif" >/dev/null 2>"$DIR/ldapadd.err" || true
  if grep -v -e 'Already exists' -e '^$' -e 'additional info' "$DIR/ldapadd.err" | grep -q .; then
    cat "$DIR/ldapadd.err" >&2
  fi
  # lou's account is locked for good (the password policy overlay)
  timeout 30 ldapmodify -x -H "$URI" -D "$ROOTDN" -w "$ROOTPW" -e relax >/dev/null 2>>"$DIR/ldapadd.err" <<LDIF || true
dn: uid=lou,ou=people,${SUFFIX}
changetype: modify
replace: pwdAccountLockedTime
pwdAccountLockedTime: 000001010000Z
LDIF
  lsearch -x -H "$URI" -b "uid=lou,ou=people,${SUFFIX}" -s base dn >/dev/null 2>&1 ||
    { log "population failed"; exit 1; }
  log "data loaded"
fi

cat > "$DIR/env" <<ENV
LDAP_URI=${URI}
LDAPS_URI=${LDAPS}
LDAP_CA=${DIR}/ca.pem
LDAP_OTHER_CA=${DIR}/other-ca.pem
LDAP_BASE=${SUFFIX}
LDAP_BIND_DN=cn=zoe,${SUFFIX}
LDAP_BIND_PW=zoe-bind-pw
ENV
cat "$DIR/env"
