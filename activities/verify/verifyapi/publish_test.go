package verifyapi

import (
	"testing"
	"time"
)

func TestPublishDelay(t *testing.T) {
	for _, tc := range []struct {
		status  string
		attempt int
		want    time.Duration
	}{
		{PublishPending, 1, 3 * time.Second}, {PublishPending, 2, 6 * time.Second}, {PublishPending, 9, 10 * time.Second},
		{PublishRetry, 0, 15 * time.Second}, {PublishRetry, 1, 15 * time.Second}, {PublishRetry, 3, time.Minute},
		{PublishRetry, 5, 4 * time.Minute}, {PublishRetry, 50, 5 * time.Minute},
		{PublishVerified, 1, 0}, {PublishFailed, 1, 0},
	} {
		if got := PublishDelay(tc.status, tc.attempt); got != tc.want {
			t.Errorf("PublishDelay(%s, %d) = %v, want %v", tc.status, tc.attempt, got, tc.want)
		}
	}
}
