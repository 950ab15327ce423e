// Original file: proto/switchyard/v1/database.proto


export interface CloseSnapshotResponse {
}

export interface CloseSnapshotResponse__Output {
}
