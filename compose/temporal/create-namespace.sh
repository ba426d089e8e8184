#!/bin/sh
# Waits until the Temporal cluster answers healthy, then registers Slipway's
# namespace if it does not exist. Run by the one-shot compose service
# temporal-namespace (image temporalio/admin-tools, which has the temporal
# CLI; the server image has none). The API and the workers start only after
# it succeeds, so they never see "namespace not found".
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:=default}" "${RETENTION:=72h}"

tries=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "temporal at $TEMPORAL_ADDRESS not healthy after $tries tries" >&2
		exit 1
	fi
	sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
	echo "namespace $NAMESPACE exists"
else
	temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
	echo "namespace $NAMESPACE created"
fi
